"""The members app's throttles (masthead.core.throttle counts them for every worker).

Counted whether or not the address has an account, so a limit never reveals
which addresses are registered.
"""

from __future__ import annotations

from masthead.core.throttle import Throttle

# Password sign-in: 5 tries at one account from one network per 15 minutes;
# 20 tries from one network across accounts (spraying); 25 at one account from
# everywhere together (a botnet), which takes at least five networks to reach, and
# the owner can still get in by an emailed link or a password reset.
PASSWORD = Throttle("password", per_account_and_client=5, per_client=20, per_account=25)

# Every email sent because someone typed an address (sign-in and sign-up links,
# password resets, email-change confirmations) draws on one budget per address:
# 5 per 15 minutes, whichever form asked; and 20 per network.
EMAILS = Throttle("emails", per_account=5, per_client=20)

BLOCKED_MESSAGE = "Too many attempts for this address or from this network. Wait 15 minutes, then try again."
