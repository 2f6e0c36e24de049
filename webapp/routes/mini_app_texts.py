"""Every string the Mini App's modules show, translated on the server for the page's language.

The shell renders this dict as JSON; the modules read it through `static/js/i18n.js` (`t(key)`),
so `make i18n` extracts these strings with the rest of the catalogue. Placeholders in braces
(`{name}`) are filled in by the script.
"""

from __future__ import annotations

from core.i18n import gettext as _
from webapp.routes.seller_texts import seller_texts


def mini_app_texts() -> dict[str, str]:
    """The Mini App's texts in the current locale."""
    return {
        # Signing in and failures
        "app_name": _("Prilavok"),
        "loading": _("Loading…"),
        "reopen_title": _("Open the shop from Telegram"),
        "reopen_text": _(
            "This page works inside Telegram. Open the shop again from the bot's menu button "
            "or a button in the chat."
        ),
        "session_expired": _(
            "Your session has expired. Close the Mini App and open it again from the bot."
        ),
        "network_error": _("Could not reach the server. Check your connection and try again."),
        "server_error": _("Something went wrong on our side."),
        "retry": _("Try again"),
        "not_found": _("This page no longer exists."),
        "to_shops": _("To the shops"),
        # Shops and search
        "shops_title": _("Shops and tutors"),
        "no_shops": _("No shop is open yet."),
        "kind_shop": _("Shop"),
        "kind_tutor": _("Tutor"),
        "search_label": _("Search the catalog"),
        "search_placeholder": _("Product, e.g. “mug”"),
        "search_hint": _("Results appear as you type."),
        "search_empty": _("Nothing found for “{query}”."),
        "search_results": _("Found: {count}"),
        "open_cart": _("Cart"),
        "cart_count": _("Cart: {count}"),
        # A shop
        "categories": _("Categories"),
        "all_categories": _("All"),
        "no_products": _("Nothing for sale here yet."),
        "show_more": _("Show more"),
        "no_photo": _("No photo"),
        # A product
        "photos_label": _("Photos of {title}"),
        "photo_alt": _("{title}, photo {number} of {total}"),
        "model_alt": _("3D model of {title}"),
        "model_hint": _("Drag to turn the model, pinch to zoom."),
        "model_failed": _("The 3D model could not be shown; here are the photos."),
        "show_model": _("3D model"),
        "show_photos": _("Photos"),
        "fullscreen": _("Full screen"),
        "exit_fullscreen": _("Exit full screen"),
        "seller": _("Seller"),
        "inn": _("INN {inn}"),
        "sku": _("SKU {sku}"),
        "add_to_cart": _("Add to cart · {price}"),
        "added_to_cart": _("Added to the cart."),
        "in_cart": _("In the cart: {count}"),
        "other_shop_in_cart": _(
            "Your cart holds products of another shop. Empty it and add this product?"
        ),
        # The cart
        "cart_title": _("Cart"),
        "cart_empty": _("Your cart is empty."),
        "cart_total": _("Total: {total}"),
        "quantity": _("Quantity of {title}"),
        "decrease": _("One less"),
        "increase": _("One more"),
        "remove": _("Remove"),
        "removed": _("Removed from the cart."),
        "unavailable": _("Not available"),
        "acknowledge": _("Got it, update the cart"),
        "checkout": _("Checkout · {total}"),
        # Checkout
        "checkout_title": _("Checkout"),
        "no_fulfilment": _("The shop takes no orders right now."),
        "fulfilment": _("How to get it"),
        "fulfilment_pickup": _("Pickup"),
        "fulfilment_delivery": _("Delivery"),
        "pickup_at": _("Pickup at: {address}"),
        "delivery_fee": _("Delivery: {fee}"),
        "delivery_slot": _("Delivery time"),
        "no_slots": _("No delivery time is free now; choose pickup or try later."),
        "address": _("Delivery address"),
        "phone": _("Phone for the courier"),
        "phone_saved": _("Leave empty to use the phone from your profile."),
        "consent_needed": _(
            "Delivery needs your address and phone: first consent to the processing of "
            "personal data in the bot's profile."
        ),
        "comment": _("Comment for the seller"),
        "payment": _("Payment"),
        "payment_cash": _("Cash on receipt"),
        "payment_online": _("Online"),
        "place_order": _("Place the order"),
        "order_placed": _("Order #{id} is placed."),
        "order_status": _("Status: {status}"),
        "pickup_code": _("Pickup code: {code}"),
        # Orders
        "account_nav": _("Your account"),
        "my_orders": _("My orders"),
        "orders_title": _("My orders"),
        "no_orders": _("You have no orders yet."),
        "order_number": _("Order #{id}"),
        "order_history": _("History"),
        "all_orders": _("All orders"),
        "cancel_order": _("Cancel the order"),
        "cancel_confirm": _("Cancel order #{id}? Reserved items go back on sale."),
        "order_cancelled": _("The order is cancelled."),
        "resend_files": _("Send my files again"),
        "files_sent": _("The files are on their way to your chat with the bot."),
        "pickup_qr_title": _("Ready for pickup"),
        "pickup_qr_alt": _("QR code of pickup code {code}"),
        "pickup_qr_hint": _("Show this code to the seller, or tell them the digits."),
        # The profile
        "profile_title": _("Profile"),
        "language": _("Language"),
        "language_hint": _("The app and the bot speak it."),
        "personal_data": _("Personal data"),
        "consent_given": _("You consented to the processing of your personal data."),
        "consent_not_given": _("You have not consented to the processing of your personal data."),
        "consent_in_chat": _("Give or withdraw consent in the chat with the bot: send /privacy."),
        "to_chat": _("Back to the chat"),
        "privacy_policy": _("Privacy policy"),
        "member_card": _("Member card"),
        "member_card_alt": _("QR code of member card {member_id}"),
        "member_points": _("Points: {points} (1 point = 1 ₽)"),
        "member_card_hint": _("Show this code to the seller. Points come for completed orders."),
        # Custom products
        "custom_title": _("Your picture on it"),
        "custom_hint": _(
            "Upload a picture (JPEG, PNG or WebP, up to {size} MB): you will see it on the "
            "product before adding it to the cart."
        ),
        "custom_upload": _("Upload your picture"),
        "custom_from_chat": _("Use a picture I sent in the chat"),
        "custom_working": _("Making the previews…"),
        "custom_previews": _("Previews"),
        "custom_preview_alt": _("Your picture on the product: {name}"),
        "custom_model_alt": _("3D model of {title} with your picture"),
        "custom_3d": _("3D"),
        **seller_texts(),
        # Homework (tutoring)
        "hw_title": _("Homework"),
        "hw_none": _("You have no homework yet."),
        "hw_status_open": _("open"),
        "hw_status_submitted": _("submitted, waiting for a grade"),
        "hw_status_graded": _("graded"),
        "hw_due": _("Due {due}"),
        "hw_files_in_chat": _("Files attached: {count} (open them in the chat with /homework)."),
        "hw_your_answer": _("Your answer"),
        "hw_grade": _("Grade: {grade}"),
        "hw_answer": _("Your answer (files: send them in the chat)"),
        "hw_submit": _("Send for review"),
        "hw_sent": _("Sent for review."),
        "hw_materials": _("Materials"),
        "hw_no_materials": _("No materials have been shared with you yet."),
        "hw_material_in_chat": _("(open it in the chat with /materials)"),
        "hw_achievements": _("Achievements"),
        "hw_no_achievements": _("No achievements yet."),
        # Booking lessons
        "bk_tutors_title": _("Tutors"),
        "bk_tutors_none": _("No tutors take bookings yet."),
        "bk_lesson_types": _("Lessons"),
        "bk_minutes": _("{count} min"),
        "bk_free_cancel": _("Free cancellation until {hours} h before the lesson."),
        "bk_credits_left": _("Prepaid lessons left: {count}"),
        "bk_free_times": _("Free times"),
        "bk_times_in_zone": _("Times in your zone: {zone}"),
        "bk_no_slots": _(
            "No free times in the coming days. Try another lesson or come back later."
        ),
        "bk_book_at": _("Book {when}"),
        "bk_booked": _("Booked. See you at the lesson!"),
        "bk_lessons_title": _("My lessons"),
        "bk_lessons_upcoming": _("Upcoming"),
        "bk_lessons_past": _("Past"),
        "bk_lessons_none": _("No lessons here yet."),
        "bk_join_lesson": _("Join the lesson"),
        "bk_lesson_place": _("Where: {place}"),
        "bk_free_change_until": _("Free cancellation until {when}"),
        "bk_cancel_lesson": _("Cancel the lesson"),
        "bk_cancel_lesson_free": _("Cancel the lesson on {when}? The lesson or money comes back."),
        "bk_cancel_lesson_late": _(
            "Cancel the lesson on {when}? It is too late for a free cancellation: the lesson "
            "counts as given."
        ),
        "bk_lesson_cancelled": _("The lesson is cancelled."),
        "bk_tutor_shop": _("Lesson packages in the shop"),
        # Booking: weekly series, waitlist, moving a lesson, prepaid lessons per tutor
        "bk_weekly": _("Every week at this time"),
        "bk_weeks": _("For how many weeks"),
        "bk_weekly_hint": _(
            "All weeks are booked together, or none: if some are not free, you will see which."
        ),
        "bk_book_series": _("Book {count} weeks from {when}"),
        "bk_series_booked": _("Booked {count} lessons, one every week."),
        "bk_join_waitlist": _("Join the waitlist"),
        "bk_waitlist_joined": _(
            "You are on the waitlist. If the time frees, it is offered to you first."
        ),
        "bk_waitlist_title": _("Waiting for a time"),
        "bk_waiting": _("on the waitlist"),
        "bk_offered": _("free for you"),
        "bk_offered_until": _("Held for you until {when}"),
        "bk_book_offer": _("Book this time"),
        "bk_reschedule": _("Reschedule"),
        "bk_move_title": _("Choose a new time"),
        "bk_move_to": _("Move to {when}"),
        "bk_keep_time": _("Keep the current time"),
        "bk_lesson_moved": _("The lesson is moved."),
        "bk_credits_title": _("Prepaid lessons"),
        "bk_credits_with": _("{tutor}: {count}"),
        # Buying lesson packages from the tutor's page
        "tp_packages": _("Packages"),
        "tp_buy": _("🎟 Buy {count} lessons — {price}"),
        "tp_monthly": _("⭐ {count} lessons a month — {price}"),
        "tp_paid": _("Payment received: the prepaid lessons appear in a moment."),
        # Paying in the app
        "pay_title": _("Payment"),
        "pay_hint": _("The order waits for payment: {total}."),
        "pay_main": _("Pay {total}"),
        "pay_telegram": _("Pay in Telegram"),
        "pay_stars": _("Pay with Telegram Stars"),
        "pay_yookassa": _("Pay by card or SBP (YooKassa)"),
        "receipt_contact": _("E-mail or phone for the receipt"),
        "receipt_contact_hint": _("YooKassa sends the electronic receipt (54-FZ) there."),
        "receipt_contact_needed": _("Enter an e-mail or phone for the receipt first."),
        "payment_received": _("Payment received. Thank you!"),
        "payment_cancelled": _("The payment was cancelled. You can pay again."),
        "payment_failed": _("The payment did not go through. Try again."),
        "payment_pending": _(
            "The payment is being confirmed. The order turns paid as soon as it is."
        ),
        "payment_return_hint": _(
            "Pay on YooKassa's page, then come back here: the order updates itself."
        ),
        "payment_check": _("I have paid: check"),
        # Checkout and cart helpers from Telegram
        "continue_shopping": _("Continue shopping"),
        "share_phone": _("Share my phone from Telegram"),
        "phone_not_shared": _("The phone was not shared: type it instead."),
        "use_my_location": _("Use my location"),
        "location_unavailable": _(
            "Telegram could not tell your location: type the address instead."
        ),
        "location_hint": _("Coordinates of your location: add the street and flat if you can."),
        "personal_text_needed": _("Enter the text first (up to {max} characters)."),
        "personal_text_limit": _("Up to {max} characters."),
        "share_product": _("Send to a friend"),
        "shared": _("Sent."),
    }
