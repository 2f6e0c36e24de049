"""A Telegram Bot API emulator for tests and the sandbox mode (no BOT_TOKEN configured).

Bots reach it exactly as they reach Telegram, through
`TelegramAPIServer.from_base("http://host:port/<mount>/tg")`; test users drive it from Python
(`SandboxUser`) or from the chat page the app serves at its root.
"""

from sandbox.checkout import PaymentResult
from sandbox.emulator import ApiCall, TelegramEmulator
from sandbox.errors import ApiError
from sandbox.initdata import launch_url, sign_init_data
from sandbox.limits import FloodLimits, ManualClock, SandboxTimings
from sandbox.server import API_PREFIX, create_emulator_app
from sandbox.state import CallbackAnswer
from sandbox.user import ChatSession, SandboxGroup, SandboxUser

__all__ = [
    "API_PREFIX",
    "ApiCall",
    "ApiError",
    "CallbackAnswer",
    "ChatSession",
    "FloodLimits",
    "ManualClock",
    "PaymentResult",
    "SandboxGroup",
    "SandboxTimings",
    "SandboxUser",
    "TelegramEmulator",
    "create_emulator_app",
    "launch_url",
    "sign_init_data",
]
