# Varnish in front of a Shoal gateway with coalescing OFF (npm run bench -- collapse).
# Rendered by loadtest/peers/template.ts: placeholders in double braces are the only variables.
# Caching: every GET/HEAD answer of 200 or 404 is cached for 1 s (TTL 1 s, no grace, so an
# entry is never served more than 1 s after it was fetched). Request coalescing is Varnish's
# default: concurrent misses on one object wait on its waiting list for the one fetch.
vcl 4.1;

backend shoal {
    .host = "{{BACKEND_HOST}}";
    .port = "{{BACKEND_PORT}}";
    .connect_timeout = 1s;
    .first_byte_timeout = 10s;
    .between_bytes_timeout = 10s;
}

sub vcl_recv {
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    unset beresp.http.Set-Cookie;
    if (beresp.status == 200 || beresp.status == 404) {
        set beresp.ttl = 1s;
        set beresp.grace = 0s;
        set beresp.keep = 0s;
    } else {
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
    }
    return (deliver);
}
