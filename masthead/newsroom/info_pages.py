"""The four pages every magazine that takes payments needs: About, Contact, Privacy, Terms.

`ensure_info_pages` makes them (the demo and a new site's set-up call it) with a
first draft an editor is expected to rewrite; once made they are the editor's
and a re-run leaves them alone. Their slugs are fixed because other pages link
to them (the checkout links /terms/ and /privacy/).
"""

from __future__ import annotations

from typing import Any

from masthead.core.models import InfoPage, MagazineSettings

ABOUT = """<p>{name} is an independent magazine of reporting and analysis, published {issues} times a year by {publisher}.
We cover politics, finance, foreign affairs, the environment, culture and technology, with writers who have spent
years on their beats and editors who check what they write.</p>
<h2>How we are paid for</h2>
<p>Our readers pay for the magazine. Subscribers read every article, the digital edition and the archive, listen to
every piece read aloud, and see no advertising. Some articles are free to everyone; others are free with an account.
We take no money from the companies and governments we write about.</p>
<h2>Corrections</h2>
<p>When we get something wrong we correct it on the article, say what changed and when. Write to the editors through
the <a href="/contact/">contact page</a>.</p>"""

CONTACT = """<p>We read everything that reaches us, and answer what we can.</p>
<h2>Subscriptions and accounts</h2>
<p>For billing, a delivery address, a refund or a gift, sign in and open <a href="/account/">your account</a>: most
changes take effect at once. If something there does not work, write to subscriptions@{domain}.</p>
<h2>Letters and corrections</h2>
<p>Letters to the editor and corrections: letters@{domain}. Please say which article you are writing about. Letters
may be edited for length.</p>
<h2>Tips</h2>
<p>If you have information you think we should report, write to tips@{domain}. Tell us how to reach you safely.</p>
<h2>By post</h2>
<p>{publisher}, Editorial Office.</p>"""

PRIVACY = """<p>This notice explains what {publisher} keeps about you when you read {name}, and why.</p>
<h2>What we keep</h2>
<ul>
<li><strong>Your account:</strong> your email address, your name if you give it, and a password if you set one.</li>
<li><strong>Your subscription:</strong> your plan, its dates and payments. Card details go to our payment processor
and never reach our servers.</li>
<li><strong>A delivery address</strong> if you subscribe to the print edition, passed to our printer and mailer only
to send you the magazine.</li>
<li><strong>Reading counts:</strong> to offer a few free articles a month we count the articles read on this
device, with a cookie and, for readers who are not signed in, a shortened network address.</li>
</ul>
<h2>What we do not do</h2>
<p>We do not sell or rent your details, we run no third-party advertising or tracking scripts, and our pages load
nothing from other companies' servers.</p>
<h2>Your choices</h2>
<p>You may see, correct, export or delete your account from <a href="/account/">your account page</a>, and unsubscribe
from any newsletter with the link at its foot. Questions: privacy@{domain}.</p>"""

TERMS = """<p>These terms apply when you create an account with, or subscribe to, {name}, published by {publisher}.</p>
<h2>Your account</h2>
<p>One account is for one person. Keep your password to yourself; you may share articles with a link, not your
sign-in.</p>
<h2>Subscriptions</h2>
<ul>
<li>A subscription renews at the end of each period at the price shown when you subscribed, until you cancel.</li>
<li>You may cancel at any time from your account page. You keep access until the end of the period you paid for.</li>
<li>Where the plans page offers a money-back guarantee, you may ask for a full refund within the period it states,
from your account page. Access ends when the refund is made.</li>
<li>We will tell you by email, at least 30 days ahead, before a price changes for you.</li>
</ul>
<h2>What you may do with what we publish</h2>
<p>Articles, audio and editions are for your own reading and listening. Quoting a short passage with a link is
welcome; republishing is not without our permission.</p>
<h2>Changes to these terms</h2>
<p>If we change these terms we will say so on this page and, for subscribers, by email before the change applies.
Questions: <a href="/contact/">contact us</a>.</p>"""

# slug -> (title, search description, body); the order is the footer's.
PAGES: dict[str, tuple[str, str, str]] = {
    "about": ("About us", "Who we are, how the magazine is paid for, and how we correct mistakes.", ABOUT),
    "contact": ("Contact", "How to reach the editors, subscriptions and the newsroom.", CONTACT),
    "privacy": ("Privacy", "What we keep about readers and subscribers, and why.", PRIVACY),
    "terms": ("Terms", "The terms of accounts and subscriptions.", TERMS),
}


def ensure_info_pages(home: Any) -> list[InfoPage]:
    """About, Contact, Privacy and Terms under the home page, made once, shown in the footer."""
    from django.conf import settings

    magazine = MagazineSettings.current()
    domain = (settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]) or "example.com"
    if domain in {"127.0.0.1", "localhost"}:
        domain = "example.com"
    facts = {
        "name": magazine.name,
        "publisher": magazine.publisher or magazine.name,
        "issues": magazine.issues_per_year,
        "domain": domain,
    }
    pages = []
    for slug, (title, description, body) in PAGES.items():
        found = home.get_children().filter(slug=slug).specific().first()
        if found is None:
            found = home.add_child(
                instance=InfoPage(
                    title=title,
                    slug=slug,
                    show_in_menus=True,
                    search_description=description,
                    body=body.format(**facts).replace("\n", " "),
                )
            )
            found.save_revision().publish()
        pages.append(found)
    return pages
