"""`docgen serve`: a preview of the status board over HTTP, by waitress (a production WSGI server).

It serves one board folder (output/site/ or output/site-<unit>/) and nothing else: never the rest of the output
folder (the SMS outbox holds names and mobile numbers), never the registers or the archive. The board holds
everything its pages link to (site.py copies the linked slips' PDFs into its pdf/ folder), so nothing outside is
needed.

  - only GET and HEAD (405 otherwise); only the file types the board is made of (.html, .css, .js, .pdf);
  - a request path is decoded once and must name a file inside the folder: no `..` or dot-files, no backslash,
    NUL or empty segment, nothing a symlink leads to outside; a folder gives its index.html, never a listing;
  - only the Host names the server is reached by locally (127.0.0.1, localhost, [::1], and the --host given),
    so a web page elsewhere cannot read the board through DNS rebinding (400 otherwise);
  - every answer says nosniff, no-store, no-referrer, no framing, and a Content-Security-Policy that allows the
    board's own stylesheet and script and nothing else (the pages have no inline script or style).

This is a preview for the office's own machine; the office's platform for others to read the board comes later.
"""
from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path
from urllib.parse import quote

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
CSP_PDF = "default-src 'none'; frame-ancestors 'none'"  # a PDF is shown by the browser's own viewer
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".pdf": "application/pdf"}
COMMON = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
          ("X-Frame-Options", "DENY"), ("Cache-Control", "no-store"),
          ("Cross-Origin-Opener-Policy", "same-origin"), ("Cross-Origin-Resource-Policy", "same-origin")]
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")
STATUS = {400: "400 Bad Request", 404: "404 Not Found", 405: "405 Method Not Allowed"}
MESSAGE = {400: "请求有误：只接受以 127.0.0.1、localhost 或 [::1] 访问的请求。",
           404: "没有这个页面：这里只提供看板的页面和单据 PDF。",
           405: "只接受 GET 和 HEAD 请求。"}


def host_names(host: str) -> set[str]:
    """The Host header names (without port, lower case, IPv6 in brackets) a server bound to host answers to."""
    names = set(LOCAL_NAMES)
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        names.add(host.lower().rstrip("."))
        return names
    if ip.is_unspecified:  # every interface: the names and addresses this machine is reached by
        hostname = socket.gethostname()
        names |= {hostname.lower(), socket.getfqdn().lower()}
        try:
            names |= {_bracket(a[4][0]) for a in socket.getaddrinfo(hostname, None)}
        except OSError:
            pass
    else:
        names.add(_bracket(str(ip)))
    return names


def _bracket(addr: str) -> str:
    return f"[{addr}]" if ":" in addr else addr


def _host_ok(header: str | None, names: set[str]) -> bool:
    """Whether a Host header (name, optional :port) names this server."""
    h = (header or "").strip().lower()
    if h.startswith("["):
        end = h.find("]")
        if end < 0:
            return False
        name, rest = h[:end + 1], h[end + 1:]
    else:
        name, sep, port = h.partition(":")
        rest = sep + port
        name = name.rstrip(".")
    if rest and not (rest[0] == ":" and rest[1:].isdigit()):
        return False
    return bool(name) and name in names


class Board:
    """The WSGI application: the files of one board folder."""

    def __init__(self, root: Path, host: str = "127.0.0.1"):
        self.root = Path(root).resolve()
        self.names = host_names(host)

    def __call__(self, environ, start_response):
        if not _host_ok(environ.get("HTTP_HOST"), self.names):
            return self._error(400, environ, start_response)
        method = environ.get("REQUEST_METHOD", "")
        if method not in ("GET", "HEAD"):
            return self._error(405, environ, start_response, [("Allow", "GET, HEAD")])
        path = self.file_for(environ.get("PATH_INFO", ""))
        if path is None:
            return self._error(404, environ, start_response)
        try:
            f = open(path, "rb")
            size = os.fstat(f.fileno()).st_size
        except OSError:
            return self._error(404, environ, start_response)
        headers = [("Content-Type", TYPES[path.suffix]), ("Content-Length", str(size)),
                   ("Content-Security-Policy", CSP_PDF if path.suffix == ".pdf" else CSP), *COMMON]
        if path.suffix == ".pdf":
            headers.append(("Content-Disposition", f"inline; filename*=UTF-8''{quote(path.name)}"))
        start_response("200 OK", headers)
        if method == "HEAD":
            f.close()
            return [b""]
        wrapper = environ.get("wsgi.file_wrapper")
        return wrapper(f, 65536) if wrapper else _chunks(f)

    def file_for(self, path_info: str) -> Path | None:
        """The file inside the folder a decoded request path names, or None."""
        try:
            path = path_info.encode("latin-1").decode("utf-8")  # PEP 3333: the bytes, decoded once by the server
        except UnicodeError:
            return None
        if not path.startswith("/") or "\\" in path or "\0" in path:
            return None
        parts = path[1:].split("/")
        index = parts[-1] == ""
        if index:
            parts = parts[:-1] + ["index.html"]
        if any(not p or p.startswith(".") or ":" in p for p in parts):
            return None  # .., ., dot-files, //, drive-like names
        target = self.root.joinpath(*parts)
        try:
            real = target.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not real.is_relative_to(self.root) or not real.is_file() or real.suffix not in TYPES:
            return None  # a symlink leading out, a folder (no listing), a file the board is not made of
        return real

    def _error(self, code: int, environ, start_response, extra=()):
        body = (MESSAGE[code] + "\n").encode("utf-8")
        start_response(STATUS[code], [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                                      ("Content-Security-Policy", CSP), *COMMON, *extra])
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]


def _chunks(f):
    with f:
        while chunk := f.read(65536):
            yield chunk


def make_server(root: Path, host: str, port: int):
    """A waitress server for the board in root, bound (raises OSError when the port is taken)."""
    from waitress import create_server

    return create_server(Board(root, host), host=host, port=port, threads=4, ident="docgen",
                         clear_untrusted_proxy_headers=True, expose_tracebacks=False)


def url(host: str, port: int) -> str:
    try:
        if ipaddress.ip_address(host).is_unspecified:
            host = "127.0.0.1"
    except ValueError:
        pass
    return f"http://{_bracket(host)}:{port}/"
