"""The texts of the Mini App's seller mode (`static/js/screens/seller*.js`), translated on the
server with the rest of the page's texts (webapp/routes/mini_app_texts.py)."""

from __future__ import annotations

from core.i18n import gettext as _


def seller_texts() -> dict[str, str]:
    """Seller mode's texts in the current locale."""
    return {
        "seller_mode": _("🏪 Seller mode"),
        "seller_title": _("Orders of my shop"),
        "seller_nav": _("Seller mode"),
        "nav_orders": _("Orders"),
        "nav_scan": _("Scan"),
        "nav_stock": _("Stock"),
        "nav_dashboard": _("Dashboard"),
        "to_shopping": _("🛍 Shopping"),
        "seller_filters": _("Which orders"),
        "filter_open": _("Open"),
        "filter_new": _("New"),
        "filter_ready": _("Ready"),
        "filter_completed": _("Completed"),
        "filter_all": _("All"),
        "filter_today": _("Today"),
        "seller_no_orders": _("No orders here."),
        "seller_customer": _("Customer: {name}"),
        "seller_actions": _("Next step"),
        "cancel_reason_label": _("Why do you cancel it? The customer reads this."),
        "cancel_reason_needed": _("Write the reason first."),
        "status_changed": _("Order #{id}: {status}"),
        "cash_received": _("Cash received"),
        "scan": _("📷 Scan a pickup code"),
        "scan_title": _("Pickup"),
        "scan_prompt": _("Point the camera at the customer's QR code"),
        "scan_unsupported": _("Scanning needs a newer Telegram: type the digits instead."),
        "manual_code": _("Or type the six digits under the QR code"),
        "confirm_pickup": _("Hand over"),
        "picked_up": _("Order #{id} is handed over and completed."),
        "low_stock_title": _("Running out"),
        "low_stock_empty": _("Nothing is running out."),
        "low_stock_line": _("{count} left (warning below {threshold})"),
        "dashboard_title": _("My shop at a glance"),
        "sales_today": _("Today"),
        "sales_week": _("This week"),
        "sales_month": _("This month"),
        "sales_orders": _("Orders: {count}"),
        "sales_none": _("No sales yet"),
        "top_products": _("Best sellers this month"),
        "sold_count": _("{count} sold · {revenue}"),
        "balance": _("Balance"),
        "balance_available": _("Available: {amount}"),
        "balance_on_hold": _("On hold for payouts: {amount}"),
        "balance_empty": _("No money has come in yet."),
        "waiting_orders": _("Waiting for you: {count}"),
        "low_stock_count": _("Running out: {count}"),
    }
