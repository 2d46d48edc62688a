import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
django_application = get_wsgi_application()

# Anonymous page-cache hits are answered here, before Django builds a request
# (masthead/core/pagecache.py); everything else goes to Django unchanged.
from masthead.core.pagecache import PageCacheWSGI  # noqa: E402

application = PageCacheWSGI(django_application)
