vcl 4.1;
# Masthead's edge cache: Varnish 7 (Debian's `varnish`) with xkey from Debian's
# `varnish-modules`. See deploy/varnish/README.md.
#
# What it keeps: only responses the app marked for it with Surrogate-Control
# (masthead/core/edge.py): pages identical for every anonymous reader. Anything
# personal (Cache-Control private/no-store, a Set-Cookie) or unmarked goes
# straight through, and a request that carries a session or flash-message
# cookie never even looks in the cache. What it drops: every object tagged
# with a key the app purges on publish (PURGE with an xkey-purge header).

import std;
import xkey;

backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .first_byte_timeout = 30s;
}

# Who may purge: the app servers. Add their addresses here.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-purge) {
            set req.http.n-gone = xkey.purge(req.http.xkey-purge);
            return (synth(200, "Purged " + req.http.n-gone + " objects"));
        }
        return (purge);
    }
    # Only our app decides what is purged.
    unset req.http.xkey-purge;
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    # A reader who may get a personal page: the session cookie (signed in),
    # Django's flash messages. Keep this list in step with the app's
    # SESSION_COOKIE_NAME and PAGE_CACHE_BYPASS_COOKIES.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=") {
        return (pass);
    }
    # Any other cookie (the meter's, csrftoken, analytics) stays on the request,
    # so the app sees it whenever it is asked; what is stored here is what the
    # app said every anonymous reader gets, so it may answer them all.
    return (hash);
}

sub vcl_backend_response {
    if (!beresp.http.Surrogate-Control
        || beresp.http.Set-Cookie
        || beresp.http.Cache-Control ~ "(?i)(private|no-store|no-cache)"
        || beresp.http.Surrogate-Control ~ "(?i)no-store") {
        # Not for sharing: remember that for a while so requests go straight
        # to the app instead of queueing behind each other (hit-for-miss).
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    set beresp.ttl = std.duration(regsub(beresp.http.Surrogate-Control, "^.*max-age=([0-9]+).*$", "\1") + "s", 0s);
    # A purge removes objects outright; grace only covers an expired page
    # being fetched again.
    set beresp.grace = 10s;
    # Stored pages are the anonymous copy: cookies were judged in vcl_recv, so
    # one object serves every anonymous reader whatever other cookies they send.
    # Accept-Encoding is Varnish's own business (http_gzip_support): it keeps the
    # gzipped page the app sends and unzips it for the rare client without gzip.
    if (beresp.http.Vary ~ "^(?i)cookie(, *accept-encoding)?$") {
        unset beresp.http.Vary;
    }
    return (deliver);
}

sub vcl_deliver {
    # The app's purge keys and the edge's own lifetime are not for readers.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Control;
    # Browsers and other caches downstream still vary on cookies.
    if (!resp.http.Vary) {
        set resp.http.Vary = "Cookie, Accept-Encoding";
    }
    if (obj.uncacheable) {
        set resp.http.X-Edge = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Edge = "HIT";
    } else {
        set resp.http.X-Edge = "MISS";
    }
}
