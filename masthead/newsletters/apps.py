from typing import Any

from django.apps import AppConfig


def _issue_published(sender: Any, instance: Any, **_: Any) -> None:
    from masthead.newsletters import sending
    from masthead.newsroom.models import IssuePage

    issue = instance.specific if not isinstance(instance, IssuePage) else instance
    if not isinstance(issue, IssuePage):
        return
    # Only the first publication is news: republishing a corrected issue must not mail everyone again.
    first, last = issue.first_published_at, issue.last_published_at
    if first is None or last is None or abs((last - first).total_seconds()) > 1:
        return
    sending.start_issue_sends(issue)


class NewslettersConfig(AppConfig):
    name = "masthead.newsletters"
    label = "newsletters"
    verbose_name = "Newsletters"

    def ready(self) -> None:
        from anymail.signals import inbound, tracking
        from wagtail.signals import page_published

        from masthead.newsletters import webhooks
        from masthead.newsroom.models import IssuePage

        page_published.connect(_issue_published, sender=IssuePage, dispatch_uid="newsletters-issue-published")
        tracking.connect(webhooks.on_tracking, dispatch_uid="newsletters-tracking")
        inbound.connect(webhooks.on_inbound, dispatch_uid="newsletters-inbound")
