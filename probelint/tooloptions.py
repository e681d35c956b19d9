"""Option tables and parsers of the network clients exec probes run (curl, wget, nc, gRPC tools).

Knowing which options take a value is what tells ``curl -H X localhost`` (host ``localhost``)
from ``curl -H localhost`` (a header): the dependency heuristics, the timeout analysis and the
conversion to native probes all read commands with these tables.
"""
from __future__ import annotations

from collections.abc import Sequence


# -- option parsing --------------------------------------------------------------------------
def getopt(args: Sequence[str], short_values: str = "", long_values: frozenset[str] = frozenset(),
           long_equals: bool = True) -> tuple[list[tuple[str, str | None, str]], list[str]]:
    """GNU-style options: ``(name, value, separator)`` triples and the positional arguments.

    Short options combine (``-sfm 5``, ``-zw2``); a letter in ``short_values`` takes the
    rest of the word or the next word. Long options take ``--name=value`` (unless
    ``long_equals`` is false, as in curl) or, when listed in ``long_values``, the next word.
    The separator is "=", " " or "" (glued), so that a new value can be written the same way.
    """
    options: list[tuple[str, str | None, str]] = []
    positionals: list[str] = []
    i, n = 0, len(args)
    while i < n:
        arg = args[i]
        if arg == "--":
            positionals.extend(args[i + 1:])
            break
        if arg.startswith("--"):
            name, eq, value = arg.partition("=") if long_equals else (arg, "", "")
            if eq:
                options.append((name, value, "="))
            elif name in long_values:
                options.append((name, args[i + 1] if i + 1 < n else None, " "))
                i += 1
            else:
                options.append((name, None, ""))
            i += 1
            continue
        if arg.startswith("-") and len(arg) > 1:
            letters = arg[1:]
            for j, letter in enumerate(letters):
                if letter in short_values:
                    rest = letters[j + 1:]
                    if rest:
                        options.append(("-" + letter, rest, ""))
                    else:
                        options.append(("-" + letter, args[i + 1] if i + 1 < n else None, " "))
                        i += 1
                    break
                options.append(("-" + letter, None, ""))
            i += 1
            continue
        positionals.append(arg)
        i += 1
    return options, positionals


def goflags(args: Sequence[str], values: frozenset[str]) -> tuple[list[tuple[str, str | None, str]], list[str]]:
    """Go ``flag`` package options: ``-name=value``, ``-name value``, ``--name``; parsing
    stops at the first argument that is not a flag. Names are returned without dashes."""
    options: list[tuple[str, str | None, str]] = []
    i, n = 0, len(args)
    while i < n:
        arg = args[i]
        if arg == "--":
            return options, list(args[i + 1:])
        if not arg.startswith("-") or arg == "-" or arg.startswith("---"):
            return options, list(args[i:])
        name, eq, value = arg.lstrip("-").partition("=")
        if eq:
            options.append((name, value, "="))
        elif name in values:
            options.append((name, args[i + 1] if i + 1 < n else None, " "))
            i += 1
        else:
            options.append((name, None, ""))
        i += 1
    return options, []


CURL_SHORT_VALUES = "AbcCdDeEFHKmoPQrtTuUwxXyYz"
CURL_LONG_VALUES = frozenset({
    "--abstract-unix-socket", "--alt-svc", "--aws-sigv4", "--cacert", "--capath", "--cert", "--cert-type", "--ciphers",
    "--config", "--connect-timeout", "--connect-to", "--continue-at", "--cookie", "--cookie-jar", "--create-file-mode",
    "--crlfile", "--curves", "--data", "--data-ascii", "--data-binary", "--data-raw", "--data-urlencode",
    "--delegation", "--dns-interface", "--dns-ipv4-addr", "--dns-ipv6-addr", "--dns-servers", "--doh-url",
    "--dump-header", "--egd-file", "--engine", "--etag-compare", "--etag-save", "--expect100-timeout", "--form",
    "--form-string", "--ftp-account", "--ftp-alternative-to-user", "--ftp-method", "--ftp-port", "--ftp-ssl-ccc-mode",
    "--happy-eyeballs-timeout-ms", "--haproxy-clientip", "--header", "--hostpubmd5", "--hostpubsha256", "--hsts",
    "--interface", "--ip-tos", "--json", "--keepalive-time", "--key", "--key-type", "--krb", "--libcurl",
    "--limit-rate", "--local-port", "--login-options", "--mail-auth", "--mail-from", "--mail-rcpt", "--max-filesize",
    "--max-redirs", "--max-time", "--netrc-file", "--noproxy", "--oauth2-bearer", "--output", "--output-dir", "--pass",
    "--pinnedpubkey", "--preproxy", "--proto", "--proto-default", "--proto-redir", "--proxy", "--proxy-cacert",
    "--proxy-capath", "--proxy-cert", "--proxy-cert-type", "--proxy-ciphers", "--proxy-header", "--proxy-key",
    "--proxy-key-type", "--proxy-pass", "--proxy-pinnedpubkey", "--proxy-service-name", "--proxy-user", "--proxy1.0",
    "--pubkey", "--quote", "--random-file", "--range", "--rate", "--referer", "--request", "--request-target",
    "--resolve", "--retry", "--retry-delay", "--retry-max-time", "--sasl-authzid", "--service-name", "--socks4",
    "--socks4a", "--socks5", "--socks5-gssapi-service", "--socks5-hostname", "--speed-limit", "--speed-time",
    "--stderr", "--telnet-option", "--tftp-blksize", "--time-cond", "--tls-max", "--tls13-ciphers", "--tlsauthtype",
    "--tlspassword", "--tlsuser", "--trace", "--trace-ascii", "--trace-config", "--unix-socket", "--upload-file",
    "--url", "--url-query", "--user", "--user-agent", "--variable", "--write-out",
})
WGET_SHORT_VALUES = "OoaTtUPewYiBDARIXlQ"
WGET_LONG_VALUES = frozenset({
    "--output-document", "--output-file", "--append-output", "--timeout", "--tries", "--user-agent", "--header",
    "--directory-prefix", "--execute", "--user", "--password", "--http-user", "--http-password", "--post-data",
    "--post-file", "--body-data", "--body-file", "--method", "--ca-certificate", "--certificate", "--private-key",
    "--wait", "--dns-timeout", "--connect-timeout", "--read-timeout", "--proxy", "--input-file", "--base",
    "--max-redirect", "--limit-rate", "--referer", "--load-cookies", "--save-cookies", "--bind-address",
})
NC_SHORT_VALUES = "IiMmOPpqsTVwXxecgG"
NC_LONG_VALUES = frozenset({"--wait", "--idle-timeout", "--source", "--source-port", "--proxy", "--proxy-type", "--exec",
                            "--sh-exec"})
GRPC_PROBE_VALUES = frozenset({
    "addr", "service", "connect-timeout", "rpc-timeout", "tls-ca-cert", "tls-client-cert", "tls-client-key",
    "tls-server-name", "user-agent", "rpc-header", "spiffe-socket", "alts-target-service-account",
})
GRPCURL_VALUES = frozenset({
    "d", "H", "rpc-header", "reflect-header", "import-path", "proto", "protoset", "authority", "servername", "cert",
    "key", "cacert", "max-time", "connect-timeout", "keepalive-time", "format", "max-msg-sz", "user-agent",
    "protoset-out",
})


def value_options(short: str, long: frozenset[str]) -> frozenset[str]:
    """Every spelling of the options that take a value: ``-X`` for each short letter, and the long ones."""
    return frozenset(f"-{letter}" for letter in short) | long
