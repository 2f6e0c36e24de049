"""A custom mug in chat: "Add to cart" asks for a picture, the previews come back as an album,
then "Add to cart" puts the mug with the picture into the cart; the seller opens the picture
from the order card. Wrong input is explained and changes nothing."""

from __future__ import annotations

from db.models import (
    CartItem,
    ChatPicture,
    Design,
    Fulfilment,
    PaymentMethod,
    ProductKind,
    Provider,
    ProviderKind,
    User,
)
from services import catalog, custom_products
from services.catalog import ProductDraft
from services.checkout import CheckoutDraft, new_checkout_key, place_order
from services.design_images import draw_demo_base
from tests.handlers.conftest import Telegram, labels, text_of
from tests.handlers.customer_data import make_settings, make_shop
from tests.services.custom_data import make_mug, picture, png_header_only
from tests.web.conftest import TG_USER, LiveMiniApp

__all__ = ["make_settings"]  # the fixture override: a generous throttle for fast clicks


async def test_a_customer_sends_a_picture_sees_previews_and_adds_the_mug(
    telegram: Telegram,
) -> None:
    shop = await make_shop("Mug Studio")
    mug = await make_mug(shop, telegram.settings.data_path)
    ann = telegram.user(1001, first_name="Ann", language_code="en")
    await ann.send(f"/start p_{mug.id}")

    replies = await ann.click("🛒 Add to cart")
    assert "Mug is made with your picture" in text_of(replies[-1])
    assert not await CartItem.exists(user__tg_id=ann.id)

    replies = await ann.send("here is my cat")  # text where the picture is expected
    assert "Please send a picture" in text_of(replies[0])
    replies = await ann.send_document(b"%PDF-1.4 not a picture", "cat.pdf")
    assert "Please send a picture" in text_of(replies[0])
    replies = await ann.send_document(
        png_header_only(30000, 30000), "cat.png", mime_type="image/png"
    )
    assert "enormous picture size" in text_of(replies[-1])
    assert await Design.all().count() == 0

    replies = await ann.send_photo(picture((640, 480)))
    albums = [reply for reply in replies if reply.photo]
    assert len(albums) == 2 and albums[0].media_group_id == albums[1].media_group_id
    assert text_of(albums[0]) == "Mug · front"
    assert text_of(replies[-1]) == "This is how it will look. Add it to the cart?"
    design = await Design.get(user__tg_id=ann.id)
    assert await ChatPicture.filter(user__tg_id=ann.id).count() == 1

    await ann.click("🛒 Add to cart")
    item = await CartItem.get(user__tg_id=ann.id, product_id=mug.id)
    assert (item.quantity, item.design_id) == (1, design.id)
    assert "Added to the cart" in text_of(ann.last_message)
    await ann.click("🛒 Add to cart", replies[-1])  # a second press keeps one line
    assert await CartItem.filter(user__tg_id=ann.id).count() == 1


async def test_a_picture_sent_outside_a_conversation_is_kept(telegram: Telegram) -> None:
    ann = telegram.user(1002, first_name="Ann", language_code="en")
    await ann.send("/start")

    replies = await ann.send_photo(picture())

    assert "Picture saved" in text_of(replies[0])
    person = await User.get(tg_id=ann.id)
    kept = await custom_products.chat_picture(person)
    assert kept.file_id


async def test_the_seller_opens_the_customers_picture_and_strangers_cannot(
    telegram: Telegram,
) -> None:
    shop = await make_shop("Mug Studio")
    vera = telegram.user(2001, first_name="Vera", language_code="en")
    await vera.send("/start")
    await Provider.filter(id=shop.id).update(owner=await User.get(tg_id=vera.id))
    mug = await make_mug(await Provider.get(id=shop.id), telegram.settings.data_path)
    ann = telegram.user(1003, first_name="Ann", language_code="en")
    await ann.send(f"/start p_{mug.id}")
    await ann.click("🛒 Add to cart")
    await ann.send_photo(picture())
    design = await Design.get(user__tg_id=ann.id)
    await ann.click("🛒 Add to cart")
    await Provider.filter(id=shop.id).update(allow_cash=True)
    await place_order(
        await User.get(tg_id=ann.id),
        CheckoutDraft(fulfilment=Fulfilment.pickup, payment_method=PaymentMethod.cash),
        settings=telegram.settings,
        checkout_key=new_checkout_key(),
        events=telegram.services.shop_events,
    )
    push = text_of(vera.last_message)
    assert f"With the customer's picture: /design_{design.id}" in push
    bob = telegram.user(1004, first_name="Bob", language_code="en")
    await bob.send("/start")

    replies = await vera.send(f"/design_{design.id}")

    photos = [reply for reply in replies if reply.photo]
    documents = [reply for reply in replies if reply.document]
    assert len(photos) == 2 and len(documents) == 1
    assert "original file, 400×300" in text_of(documents[0])
    replies = await bob.send(f"/design_{design.id}")
    assert "Not found" in text_of(replies[0])
    assert not [reply for reply in replies if reply.document]


async def test_a_seller_makes_a_template_in_chat(telegram: Telegram) -> None:
    sam = telegram.user(2002, first_name="Sam", language_code="en")
    await sam.send("/start")
    owner = await User.get(tg_id=sam.id)
    shop = await catalog.create_provider(
        ProviderKind.shop, "Mug Studio", "mug-studio", actor=owner, owner=owner
    )
    mug = await catalog.create_product(
        shop, ProductDraft(title="White mug", price=50000, stock=0, kind=ProductKind.custom)
    )
    await sam.send("/shop")
    await sam.click("📦 My products")
    await sam.click(next(label for label in labels(sam.last_message) if "White mug" in label))

    replies = await sam.click("🎨 Picture template")
    assert "No sides yet" in text_of(replies[-1])
    replies = await sam.send("the front")  # text where the picture is expected
    assert "Please send a picture of the side" in text_of(replies[0])
    replies = await sam.send_photo(draw_demo_base("front"))
    assert "The picture is 800×600" in text_of(replies[0])
    replies = await sam.send_photo(picture())  # a photo where the name is expected
    assert "answer with a text message" in text_of(replies[0])
    await sam.send("front")
    replies = await sam.send("700 100 200 100")  # beyond the right edge
    assert "inside the 800×600 picture" in text_of(replies[0])
    replies = await sam.send("a lot")
    assert "four whole numbers" in text_of(replies[0])
    assert not await custom_products.has_template(mug)

    replies = await sam.send("216 150 352 340")
    assert "Side “front” added" in text_of(replies[0])
    await sam.click("✅ Done")
    assert "Sides in the template of White mug: 1" in text_of(sam.last_message)
    template = await custom_products.template_of(mug.id)
    [image] = custom_products.sorted_images(template)
    assert (image.name, image.print_x, image.print_w, image.width) == ("front", 216, 352, 800)


async def test_a_picture_sent_in_the_chat_is_used_in_the_mini_app(telegram: Telegram) -> None:
    shop = await make_shop("Mug Studio")
    mug = await make_mug(shop, telegram.settings.data_path)
    ann = telegram.user(TG_USER["id"], first_name="Ann", language_code="en")
    await ann.send("/start")
    await ann.send_photo(picture((500, 400)))  # kept: "Picture saved"
    app = LiveMiniApp(telegram.app_url, telegram.settings.token)

    status, design = await app.call("POST", f"/products/{mug.id}/designs/from-chat", {})

    assert status == 201, design
    assert [preview["name"] for preview in design["previews"]] == ["front", "back"]
    stored = await Design.get(id=design["id"])
    assert (stored.width, stored.height) == (500, 400)  # the file came from Telegram's servers
