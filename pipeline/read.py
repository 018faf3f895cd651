"""Stage 1: read an input into a Source (decoded text that every offset points into)."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import sys
from pathlib import Path
from typing import BinaryIO

from .errors import InputError, UsageError
from .read_office import read_office
from .records import Source

# A release is kilobytes; 10 MiB of text is a book, not a release (ZHEN_MAX_MB raises the limit).
DEFAULT_MAX_MB = 10.0


def max_bytes() -> int:
    """The size limit of one input (and of a reviewed file given to merge), read when used so
    that a bad ZHEN_MAX_MB is a one-line error, not a traceback at import."""
    raw = os.environ.get("ZHEN_MAX_MB", "").strip()
    if not raw:
        return int(DEFAULT_MAX_MB * 1024 * 1024)
    try:
        mb = float(raw)
    except ValueError:
        mb = float("nan")
    if not mb > 0 or mb == float("inf"):
        raise UsageError(f"ZHEN_MAX_MB={raw!r}: must be a positive number of MiB")
    return int(mb * 1024 * 1024)


# Characters that end a line for Python's str.splitlines (and for JSON readers in other
# languages) besides \n and \r: in a release they can only mean a line break, and left in
# they split zhen's own JSONL records when read back.
_LINE_BREAKS = {"\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"}
# Everything else that XML 1.0 cannot carry (C0 controls, lone surrogates, U+FFFE/U+FFFF) or
# that only garbles a terminal (DEL, C1 controls) becomes a space, so every offset stays put.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u2028\u2029]")


def sanitize(text: str) -> tuple[str, list[str]]:
    """Text every output can carry and read back: line and paragraph separators become line
    breaks, control characters and lone surrogates a space (U+FFFD for a surrogate), each kind
    counted in a warning. One character for one, so offsets into the text do not move."""
    found: dict[str, int] = {}

    def fix(m: re.Match[str]) -> str:
        ch = m.group()
        if ch in _LINE_BREAKS:
            found["line or paragraph separators"] = found.get("line or paragraph separators", 0) + 1
            return "\n"
        if "\ud800" <= ch <= "\udfff":
            found["lone surrogates"] = found.get("lone surrogates", 0) + 1
            return "\ufffd"
        found["control characters"] = found.get("control characters", 0) + 1
        return " " if ch not in "\ufffe\uffff" else "\ufffd"

    clean = _BAD_CHARS.sub(fix, text)
    notes = [f"{n} {what} replaced at read time" for what, n in found.items()]
    return clean, notes

def one_line(text: str) -> str:
    """Text as one line of English (or Chinese) the way the model's English comes out: sanitized
    (controls and lone surrogates), every run of white space (line breaks, tabs, \\r, separators,
    indentation) one space, none at either end. A reviewer's English, a memory's entries and
    every TSV cell go through it: a pretty-printed XLIFF target or an Enter in the edit box
    must not break the one-line outputs."""
    return " ".join(sanitize(text)[0].split())


_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF file"),
    (b"PK\x03\x04", "a ZIP archive (or Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "an executable"),
)
_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<meta|<!--)", re.I)
_LEGACY = ("gb18030", "big5")


def read_source(path: str, data: bytes | None = None) -> Source:
    """Read and decode one input. `path` "-" reads stdin unless `data` is given."""
    if data is None:
        data = read_bytes(path)
    name = "stdin" if path == "-" else path  # messages name the input as given, as the run's report does
    limit = max_bytes()
    if len(data) > limit:
        raise InputError(f"{name}: {_too_large(len(data), limit)}")
    digest = hashlib.sha256(data).hexdigest()
    layout: tuple[tuple[int, int, str], ...] = ()
    notes: list[str] = []
    office = office_kind(path, data)
    if office is not None:
        text, layout, notes = read_office(office, data, name)
        encoding, media = office, OFFICE_TYPES[office]
    else:
        text, encoding = decode(data, name)
        media = _media_type(path, data)
    if media == "text/html":
        text = html_main_text(text, name)
    text, warnings = sanitize(text)
    warnings = [*notes, *warnings]
    if not text.strip():
        raise InputError(f"{name}: the file is empty (nothing to translate)")
    stem = "stdin" if path == "-" else _stem(Path(path))
    return Source(name=stem, path=path, raw=text, encoding=encoding, sha256=digest, media_type=media,
                  warnings=tuple(warnings), layout=layout)


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OFFICE_TYPES = {"docx": DOCX_TYPE, "doc": "application/msword", "pdf": "application/pdf"}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word .doc (and the other pre-2007 Office files)


def office_kind(path: str, data: bytes) -> str | None:
    """docx, doc or pdf, by the bytes (a name can lie, stdin has none), else None: text."""
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and b"word/" in data[:65536]:
        return "docx"
    if data.startswith(_OLE2):
        return "doc"
    return None


def _too_large(size: int, limit: int) -> str:
    # a stream read up to the limit and one byte more is "over", not a size it never reached
    what = f"{size // 2**20} MiB is" if size > limit + 1 else "over the limit: it is"
    return f"{what} too large for a release (limit {limit // 2**20} MiB; set ZHEN_MAX_MB to raise it)"


def read_capped(stream: BinaryIO, limit: int | None = None) -> bytes:
    """At most the size limit and one byte more: standard input, a pipe or a device such as
    /dev/zero has no size to check first, and must not be read whole into memory."""
    cap = (max_bytes() if limit is None else limit) + 1
    out = bytearray()
    while len(out) < cap:
        chunk = stream.read(min(1 << 20, cap - len(out)))
        if not chunk:
            break
        out += chunk
    return bytes(out)


def read_stdin() -> bytes:
    """Standard input, read no further than the size limit allows (read_source then refuses it)."""
    return read_capped(sys.stdin.buffer)


def read_bytes(path: str) -> bytes:
    """An input's bytes, refused before reading when over the size limit."""
    if path == "-":
        return read_stdin()
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: no such file")
    if p.is_dir():
        raise InputError(f"{path}: is a folder, not a release file")
    limit = max_bytes()
    try:
        if p.stat().st_size > limit:  # refuse before reading gigabytes into memory
            raise InputError(f"{path}: {_too_large(p.stat().st_size, limit)}")
        with p.open("rb") as fh:  # a FIFO or a device says size 0: read no further than the limit
            data = read_capped(fh, limit)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if len(data) > limit:
        raise InputError(f"{path}: {_too_large(len(data), limit)}")
    return data


def display_stem(path: str) -> str:
    """A release's name from its file name as given (a server job's name too): no folder, no
    reader's suffix (release.docx -> release); "stdin" for standard input."""
    return "stdin" if path in ("-", "") else _stem(Path(path))


def _stem(p: Path) -> str:
    name = p.name
    for suffix in (".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".doc", ".pdf"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or name
    return p.stem or name


def _media_type(path: str, data: bytes) -> str:
    low = path.lower()
    if low.endswith((".html", ".htm")) or _HTML_START.match(data[:512].lstrip(b"\xef\xbb\xbf")):
        return "text/html"
    if low.endswith((".md", ".markdown")):
        return "text/markdown"
    return "text/plain"


def decode(data: bytes, name: str = "input") -> tuple[str, str]:
    """Decode bytes as UTF-8, UTF-16/32 (with BOM), GB18030 or Big5; refuse binary data."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise InputError(f"{name}: starts with a {enc} byte-order mark but does not decode as {enc}") from exc
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"{name}: this is {what}, not a text release")
    if b"\x00" in data[:8192]:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
        raise InputError(f"{name}: binary data (NUL bytes), not a text release")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # UTF-8 that encodes lone surrogates (a broken converter's output): sanitize() marks them
        return data.decode("utf-8", errors="surrogatepass"), "utf-8"
    except UnicodeDecodeError:
        pass
    legacy = _guess_legacy(data)
    if legacy is None:
        raise InputError(f"{name}: cannot decode as UTF-8, GB18030 or Big5; save it as UTF-8 and try again")
    return data.decode(legacy), legacy


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 saved without a byte-order mark (Windows tools do this): the byte order whose text
    is readable, i.e. decodes and has no controls but line breaks and tabs, and some Chinese or
    Latin letters. Binary data fails one of these almost always."""
    if len(data) % 2:
        return None
    # ASCII in UTF-16 has its zero byte second (little-endian) or first (big-endian)
    enc = "utf-16-le" if data[1::2].count(0) >= data[0::2].count(0) else "utf-16-be"
    try:
        text = data.decode(enc)
    except UnicodeDecodeError:
        return None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r")
    if controls == 0 and any(ch.isalpha() for ch in text):
        return text, enc
    return None


def _guess_legacy(data: bytes) -> str | None:
    """Pick GB18030 or Big5: charset-normalizer's verdict first, then the one that decodes cleanly."""
    from charset_normalizer import from_bytes

    clean = []
    for enc in _LEGACY:
        try:
            data.decode(enc)
            clean.append(enc)
        except UnicodeDecodeError:
            continue
    if len(clean) == 1:
        return clean[0]
    if not clean:
        return None
    best = from_bytes(data, cp_isolation=list(clean)).best()
    if best is not None and best.encoding in clean:
        return best.encoding
    return _by_common_chars(data, clean)


# Frequent characters of news Chinese, in both scripts, to break a tie.
_COMMON = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种"
    "面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本"
    "去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比"
    "或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总"
    "次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做"
    "必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权"
    "收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信"
    "马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连"
    "断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存"
    "候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞"
)
_COMMON |= set(
    "這為個國們時來說發會後與點從業經對開嚴讓應當關還進設門間點機動實際戰術報導區線種類網絡詐騙緝處罰廳隊"
    "偵資產"
)


def _by_common_chars(data: bytes, encodings: list[str]) -> str:
    def score(enc: str) -> int:
        return sum(ch in _COMMON for ch in data.decode(enc))

    return max(encodings, key=score)


def html_main_text(html: str, name: str = "input") -> str:
    """Reduce an HTML release page to its title and main text (trafilatura drops the chrome).

    Any failure to read the page (a missing parser dependency, markup the parser chokes on)
    is the one-line error of a bad input, never a traceback.
    """
    try:
        import trafilatura

        body = trafilatura.extract(html, include_comments=False, include_tables=True, favor_precision=True)
        meta = trafilatura.extract_metadata(html) if body and body.strip() else None
    except Exception as exc:  # trafilatura and lxml raise many kinds; the user needs one line
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{name}: cannot read this HTML page ({detail})") from exc
    if not body or not body.strip():
        raise InputError(f"{name}: no main text found in this HTML page")
    title = (meta.title or "").strip() if meta is not None else ""
    if title and not body.lstrip().startswith(title):
        return f"{title}\n{body}"
    return body
