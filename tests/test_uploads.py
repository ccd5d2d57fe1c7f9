"""nara.core.uploads: attachments are judged by their bytes, never by name or browser type."""

from __future__ import annotations

import io
import struct
import unicodedata
import warnings
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation
from PIL import ExifTags, Image, PngImagePlugin

from nara.core import uploads
from nara.core.uploads import CleanFile, clean_upload, clean_uploads, safe_name

# --- builders -----------------------------------------------------------------------------------


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def make_jpeg(size=(40, 20), orientation: int | None = 6, color=(200, 30, 30)) -> bytes:
    image = Image.new("RGB", size, color)
    image.paste((0, 0, 255), (0, 0, size[0] // 2, size[1] // 2))  # a corner to see rotation
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 12"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (37.0, 34.0, 8.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (126.0, 58.0, 40.0)
    buffer = io.BytesIO()
    image.save(
        buffer,
        "JPEG",
        exif=exif,
        icc_profile=b"fake icc profile",
        comment=b"secret comment",
        quality=95,
    )
    return buffer.getvalue()


def make_png(size=(16, 8), mode="RGBA", with_metadata=True) -> bytes:
    image = Image.new(mode, size, (10, 200, 10, 128) if mode == "RGBA" else (10, 200, 10))
    buffer = io.BytesIO()
    options = {}
    if with_metadata:
        info = PngImagePlugin.PngInfo()
        info.add_text("Author", "Hong Gildong")
        info.add_text("Location", "Sejong", zip=True)
        options = {"pnginfo": info, "icc_profile": b"fake icc profile"}
        exif = Image.Exif()
        exif[ExifTags.Base.Make] = "PhoneMaker"
        options["exif"] = exif
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


def png_with_size(width: int, height: int) -> bytes:
    """A real 1x1 PNG whose IHDR claims another size (CRC fixed up, so only the size lies)."""
    data = bytearray(make_png((1, 1), "RGB", with_metadata=False))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def make_pdf(*objects: bytes, trailer_extra: bytes = b"") -> bytes:
    """A small PDF with a correct xref table; objects are numbered from 1."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, trailer_extra)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def stream(dictionary: bytes, content: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(content), content)


PAGE_CONTENT = b"BT /F1 12 Tf 72 720 Td (Minwon) Tj ET"
BASE_OBJECTS = (
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
    b" /Resources << /Font << /F1 5 0 R >> >> >>",
    stream(b"", PAGE_CONTENT),
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
)


def make_good_pdf() -> bytes:
    return make_pdf(*BASE_OBJECTS)


def pdf_with_catalog(catalog: bytes, *extra: bytes) -> bytes:
    return make_pdf(catalog, *BASE_OBJECTS[1:], *extra)


def object_stream(inner: bytes, dictionary_extra: bytes = b"/Filter /FlateDecode") -> bytes:
    header = b"6 0 "
    content = header + inner
    if b"FlateDecode" in dictionary_extra:
        content = zlib.compress(content)
    return stream(b"/Type /ObjStm /N 1 /First %d %s" % (len(header), dictionary_extra), content)


def codes(excinfo: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [error.code for error in excinfo.value.error_list]


def reopen(clean: CleanFile) -> Image.Image:
    image = Image.open(io.BytesIO(clean.data))
    image.load()
    return image


# --- accepted files -----------------------------------------------------------------------------


def test_jpeg_is_reencoded_upright_and_without_exif_gps_icc_or_comment():
    original = make_jpeg(size=(40, 20), orientation=6)
    with Image.open(io.BytesIO(original)) as source:  # the builder really wrote the metadata
        assert source.getexif()[ExifTags.Base.Make] == "PhoneMaker"
        assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert source.info.get("icc_profile")

    clean = clean_upload(upload("photo.jpg", original, "image/jpeg"))

    assert clean.content_type == "image/jpeg"
    assert clean.name == "photo.jpg"
    assert clean.data != original
    assert clean.data.startswith(b"\xff\xd8\xff")
    image = reopen(clean)
    assert image.format == "JPEG"
    assert image.size == (20, 40)  # orientation 6 applied: rotated into portrait
    exif = image.getexif()
    assert len(exif) == 0
    assert exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert "exif" not in image.info
    assert "icc_profile" not in image.info
    assert "comment" not in image.info
    for marker in (b"Exif", b"PhoneMaker", b"secret comment", b"fake icc profile", b"ICC_PROFILE"):
        assert marker not in clean.data


def test_jpeg_pixels_survive_reencoding():
    clean = clean_upload(upload("p.jpg", make_jpeg(size=(40, 20), orientation=None)))
    image = reopen(clean)
    assert image.size == (40, 20)
    red, green, blue = image.getpixel((35, 15))
    assert red > 150 and green < 80 and blue < 80
    red, green, blue = image.getpixel((5, 5))
    assert blue > 150 and red < 80


def test_jpeg_with_appended_payload_keeps_only_the_picture():
    payload = b"PK\x03\x04" + b"<script>alert(1)</script>" * 10
    clean = clean_upload(upload("polyglot.jpg", make_jpeg() + payload))
    assert b"PK\x03\x04" not in clean.data
    assert b"<script>" not in clean.data


def test_cmyk_jpeg_becomes_rgb():
    buffer = io.BytesIO()
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(buffer, "JPEG")
    image = reopen(clean_upload(upload("cmyk.jpg", buffer.getvalue())))
    assert image.mode == "RGB"


def test_png_is_reencoded_without_text_icc_or_exif():
    original = make_png()
    with Image.open(io.BytesIO(original)) as source:
        assert source.info.get("Author") == "Hong Gildong"
        assert source.info.get("icc_profile")

    clean = clean_upload(upload("scan.png", original, "image/png"))

    assert clean.content_type == "image/png"
    assert clean.name == "scan.png"
    image = reopen(clean)
    assert image.format == "PNG"
    assert image.size == (16, 8)
    assert image.mode == "RGBA"
    assert image.getpixel((3, 3)) == (10, 200, 10, 128)
    assert len(image.getexif()) == 0
    assert not {"Author", "Location", "icc_profile", "exif"} & set(image.info)
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"iCCP", b"eXIf"):
        assert chunk not in clean.data


def test_palette_png_keeps_its_transparency():
    image = Image.new("P", (4, 4), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", transparency=1)
    result = reopen(clean_upload(upload("icon.png", buffer.getvalue())))
    assert result.mode == "P"
    assert result.info.get("transparency") == 1


def test_pdf_is_accepted_byte_for_byte():
    original = make_good_pdf()
    clean = clean_upload(upload("신청서.pdf", original, "application/pdf"))
    assert clean == CleanFile(name="신청서.pdf", content_type="application/pdf", data=original)


def test_pdf_with_harmless_compressed_object_stream_is_accepted():
    original = make_pdf(*BASE_OBJECTS, object_stream(b"<< /Producer (Hangul) /Title (Minwon) >>"))
    assert clean_upload(upload("a.pdf", original)).data == original


def test_clean_file_is_frozen_and_its_repr_leaves_out_the_bytes():
    clean = clean_upload(upload("a.pdf", make_good_pdf()))
    with pytest.raises(AttributeError):
        clean.name = "other.pdf"
    assert "%PDF" not in repr(clean)
    assert "a.pdf" in repr(clean)


# --- wrong type ---------------------------------------------------------------------------------

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50 + b"This program"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1"/></svg>'
XML_SVG = b'<?xml version="1.0"?>\n' + SVG
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 30
PDF_LATE_HEADER = b"   %PDF-1.7\n" + make_good_pdf()[9:]


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("photo.jpg", EXE, "image/jpeg"),
        ("x.png", HTML, "image/png"),
        ("drawing.svg", SVG, "image/svg+xml"),
        ("drawing.png", XML_SVG, "image/png"),
        ("anim.jpg", GIF, "image/jpeg"),
        ("docs.pdf", ZIP, "application/pdf"),
        ("late.pdf", PDF_LATE_HEADER, "application/pdf"),
        ("text.pdf", b"just some text", "application/pdf"),
    ],
)
def test_wrong_type_behind_a_good_name_or_content_type(name, data, content_type):
    with pytest.raises(ValidationError) as excinfo:
        clean_upload(upload(name, data, content_type))
    assert codes(excinfo) == ["wrong_type"]
    assert excinfo.value.error_list[0].params["name"] == name


def test_png_named_jpg_is_stored_as_png():
    clean = clean_upload(upload("photo.jpg", make_png(), "image/jpeg"))
    assert clean.content_type == "image/png"
    assert clean.name == "photo.png"


# --- size ---------------------------------------------------------------------------------------


def test_oversize_file_is_refused_by_declared_size():
    data = make_good_pdf()
    with override_settings(NARA_MAX_ATTACHMENT_BYTES=len(data) - 1):
        with pytest.raises(ValidationError) as excinfo:
            clean_upload(upload("big.pdf", data))
    assert codes(excinfo) == ["too_large"]
    assert excinfo.value.error_list[0].params["name"] == "big.pdf"


def test_declared_size_is_checked_before_anything_is_read():
    class Unreadable(SimpleUploadedFile):
        def read(self, *args, **kwargs):
            raise AssertionError("read although the declared size is over the limit")

    big = Unreadable("big.pdf", b"%PDF-", content_type="application/pdf")
    big.size = 11 * 1024 * 1024
    with pytest.raises(ValidationError) as excinfo:
        clean_upload(big)
    assert codes(excinfo) == ["too_large"]
    assert excinfo.value.error_list[0].params["limit_mb"] == "10"


def test_oversize_file_is_refused_even_when_size_lies():
    data = make_good_pdf()
    lying = upload("big.pdf", data)
    lying.size = 10
    with override_settings(NARA_MAX_ATTACHMENT_BYTES=len(data) - 1):
        with pytest.raises(ValidationError) as excinfo:
            clean_upload(lying)
    assert codes(excinfo) == ["too_large"]


def test_file_exactly_at_the_limit_is_accepted():
    data = make_good_pdf()
    with override_settings(NARA_MAX_ATTACHMENT_BYTES=len(data)):
        assert clean_upload(upload("ok.pdf", data)).data == data


def test_size_limit_message_names_the_limit_in_mb():
    with override_settings(NARA_MAX_ATTACHMENT_BYTES=3 * 1024 * 1024):
        with pytest.raises(ValidationError) as excinfo:
            clean_upload(upload("big.pdf", b"%PDF-" + b"0" * (3 * 1024 * 1024)))
    error = excinfo.value.error_list[0]
    assert error.params["limit_mb"] == "3"
    assert "3" in error.message % error.params and "big.pdf" in error.message % error.params


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        clean_upload(upload("empty.jpg", b""))
    assert codes(excinfo) == ["empty"]


# --- corrupt images -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("garbage.jpg", b"\xff\xd8\xff\xe0" + b"\x13\x37garbage" * 200),
        ("half.jpg", make_jpeg(size=(200, 200), orientation=None)[:-600]),
        ("truncated.png", make_png((64, 64), "RGB", with_metadata=False)[:-30]),
        ("header-only.png", b"\x89PNG\r\n\x1a\n"),
        ("zero-size.png", png_with_size(0, 0)),
    ],
)
def test_corrupt_image_is_refused(name, data):
    with pytest.raises(ValidationError) as excinfo:
        clean_upload(upload(name, data))
    assert codes(excinfo) == ["corrupt"]


def test_png_with_bad_crc_is_refused():
    data = bytearray(make_png((8, 8), "RGB", with_metadata=False))
    data[29] ^= 0xFF  # IHDR CRC
    with pytest.raises(ValidationError) as excinfo:
        clean_upload(upload("crc.png", bytes(data)))
    assert codes(excinfo) == ["corrupt"]


def test_png_with_bad_pixel_data_checksum_is_refused():
    """Pillow's load() decodes an IDAT with a wrong CRC; only verify() notices."""
    data = bytearray(make_png((32, 32), "RGB", with_metadata=False))
    idat = data.find(b"IDAT")
    (length,) = struct.unpack(">I", data[idat - 4 : idat])
    data[idat + 4 + length] ^= 0xFF
    with pytest.raises(ValidationError) as excinfo:
        clean_upload(upload("idat.png", bytes(data)))
    assert codes(excinfo) == ["corrupt"]


def test_png_whose_header_size_lies_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        clean_upload(upload("liar.png", png_with_size(300, 200)))
    assert codes(excinfo) == ["corrupt"]


# --- decompression bombs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [
        (8000, 6000),  # 48 MP: over our 40 MP limit, below Pillow's own warning
        (10000, 10000),  # 100 MP: Pillow would warn
        (100000, 100000),  # 10 GP: Pillow would refuse
    ],
)
def test_png_claiming_huge_dimensions_is_refused_before_decoding(size):
    with pytest.raises(ValidationError) as excinfo:
        clean_upload(upload("bomb.png", png_with_size(*size)))
    assert codes(excinfo) == ["too_many_pixels"]
    assert excinfo.value.error_list[0].params["max_megapixels"] == "40"


def test_real_image_over_configured_pixel_limit_is_refused():
    data = make_jpeg(size=(100, 100), orientation=None)
    with override_settings(NARA_MAX_IMAGE_PIXELS=9_999):
        with pytest.raises(ValidationError) as excinfo:
            clean_upload(upload("big.jpg", data))
    assert codes(excinfo) == ["too_many_pixels"]
    with override_settings(NARA_MAX_IMAGE_PIXELS=10_000):
        assert clean_upload(upload("big.jpg", data)).content_type == "image/jpeg"


def test_pillow_bomb_warning_is_an_error_locally_only(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)
    filters_before = list(warnings.filters)
    with override_settings(NARA_MAX_IMAGE_PIXELS=10**9):
        with pytest.raises(ValidationError) as excinfo:
            clean_upload(upload("b.png", make_png((40, 40), "RGB", with_metadata=False)))
    assert codes(excinfo) == ["too_many_pixels"]
    assert list(warnings.filters) == filters_before
    # Outside clean_upload the global behaviour is untouched: Pillow only warns.
    with pytest.warns(Image.DecompressionBombWarning):
        Image.open(io.BytesIO(make_png((40, 40), "RGB", with_metadata=False)))


# --- PDFs ---------------------------------------------------------------------------------------

JS_ACTION = b"<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>"


@pytest.mark.parametrize(
    "data",
    [
        pdf_with_catalog(b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>", JS_ACTION),
        pdf_with_catalog(b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JS (x) >> >>"),
        pdf_with_catalog(
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch /F (cmd.exe) >> >>"
        ),
        pdf_with_catalog(
            b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 6 0 R >> >>",
            b"<< /Names [(a.exe) 7 0 R] >>",
            stream(b"", b"MZ payload"),  # /Type is optional on the embedded stream
        ),
        make_pdf(*BASE_OBJECTS, stream(b"/Type /EmbeddedFile", b"MZ payload")),
        # the same names hidden behind #xx escapes
        pdf_with_catalog(
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /J#61vaScript /#4AS (x) >> >>"
        ),
        # the action dictionary hidden inside a compressed object stream
        pdf_with_catalog(
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>", object_stream(JS_ACTION)
        ),
    ],
    ids=["javascript", "js", "launch", "embedded-files", "embedded-file", "escaped", "objstm"],
)
def test_pdf_with_scripts_or_embedded_files_is_refused(data):
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        clean_upload(upload("form.pdf", data, "application/pdf"))
    assert codes(excinfo) == ["wrong_type"]
    assert "PDF with scripts or embedded files is not accepted" in excinfo.value.messages[0]


@pytest.mark.parametrize(
    "dictionary_extra",
    [
        b"/Filter /LZWDecode",  # a filter we do not inflate
        b"/Filter [/ASCIIHexDecode /FlateDecode]",
        b"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >>",
    ],
)
def test_pdf_object_stream_we_cannot_read_is_refused(dictionary_extra):
    data = make_pdf(*BASE_OBJECTS, object_stream(b"<< /Title (x) >>", dictionary_extra))
    with pytest.raises(ValidationError) as excinfo:
        clean_upload(upload("odd.pdf", data))
    assert codes(excinfo) == ["wrong_type"]


def test_pdf_object_stream_that_is_not_zlib_is_refused():
    bad = stream(b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", b"\x00not zlib data")
    with pytest.raises(ValidationError) as excinfo:
        clean_upload(upload("odd.pdf", make_pdf(*BASE_OBJECTS, bad)))
    assert codes(excinfo) == ["wrong_type"]


def test_pdf_object_stream_inflating_beyond_the_budget_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "_MAX_PDF_INFLATE_BYTES", 10_000)
    small = make_pdf(*BASE_OBJECTS, object_stream(b"<< /Title (" + b"a" * 9_000 + b") >>"))
    assert clean_upload(upload("small.pdf", small)).data == small
    bomb = make_pdf(*BASE_OBJECTS, object_stream(b"<< /Title (" + b"a" * 20_000 + b") >>"))
    with pytest.raises(ValidationError) as excinfo:
        clean_upload(upload("bomb.pdf", bomb))
    assert codes(excinfo) == ["wrong_type"]


def test_pdf_without_eof_marker_is_refused():
    data = make_good_pdf().replace(b"%%EOF", b"")
    with pytest.raises(ValidationError) as excinfo:
        clean_upload(upload("cut.pdf", data))
    assert codes(excinfo) == ["corrupt"]


def test_pdf_whose_eof_marker_is_not_near_the_end_is_refused():
    data = make_good_pdf() + b"\n" + b"junk" * 400
    with pytest.raises(ValidationError) as excinfo:
        clean_upload(upload("tail.pdf", data))
    assert codes(excinfo) == ["corrupt"]


# --- several files ------------------------------------------------------------------------------


def test_too_many_files_are_refused():
    files = [upload(f"{i}.pdf", make_good_pdf()) for i in range(6)]
    with pytest.raises(ValidationError) as excinfo:
        clean_uploads(files)
    assert codes(excinfo) == ["too_many"]
    assert excinfo.value.error_list[0].params == {"max": 5, "count": 6}


def test_maximum_number_of_files_is_accepted_in_order():
    files = [upload(f"{i}.pdf", make_good_pdf()) for i in range(5)]
    assert [clean.name for clean in clean_uploads(files)] == [f"{i}.pdf" for i in range(5)]


def test_limit_on_number_of_files_is_read_at_call_time():
    files = [upload(f"{i}.pdf", make_good_pdf()) for i in range(2)]
    with override_settings(NARA_MAX_ATTACHMENTS=1):
        with pytest.raises(ValidationError) as excinfo:
            clean_uploads(files)
    assert codes(excinfo) == ["too_many"]


def test_every_bad_file_is_reported_together():
    files = [
        upload("good.jpg", make_jpeg()),
        upload("virus.jpg", EXE),
        upload("empty.png", b""),
        upload("broken.png", b"\x89PNG\r\n\x1a\n"),
    ]
    with pytest.raises(ValidationError) as excinfo:
        clean_uploads(files)
    assert codes(excinfo) == ["wrong_type", "empty", "corrupt"]
    assert [error.params["name"] for error in excinfo.value.error_list] == [
        "virus.jpg",
        "empty.png",
        "broken.png",
    ]


def test_no_files_is_fine():
    assert clean_uploads([]) == []


# --- stored names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "content_type", "expected"),
    [
        ("민원 신청서(최종).pdf", "application/pdf", "민원_신청서_최종.pdf"),
        ("../../etc/passwd.jpg", "image/jpeg", "passwd.jpg"),
        ("..\\..\\windows\\system32\\evil.png", "image/png", "evil.png"),
        ("photo.php.jpg", "image/jpeg", "photo_php.jpg"),
        ("invoice\u202egpj.exe", "image/jpeg", "invoice_gpj.jpg"),  # bidi override dropped
        ("report.exe", "application/pdf", "report.pdf"),
        ("...", "image/png", "attachment.png"),
        ("", "image/jpeg", "attachment.jpg"),
        ("<script>.png", "image/png", "script.png"),
        ("CON.pdf", "application/pdf", "CON_.pdf"),
        ("Ｆｕｌｌｗｉｄｔｈ.pdf", "application/pdf", "Fullwidth.pdf"),
        ("a-b_c 1.jpeg", "image/jpeg", "a-b_c_1.jpg"),
    ],
)
def test_safe_name(original, content_type, expected):
    assert safe_name(original, content_type) == expected


def test_safe_name_composes_decomposed_korean():
    decomposed = unicodedata.normalize("NFD", "사진.jpg")  # as macOS browsers may send it
    assert decomposed != "사진.jpg"
    assert safe_name(decomposed, "image/jpeg") == "사진.jpg"


def test_safe_name_is_at_most_80_characters_plus_extension():
    name = safe_name("가" * 200 + ".pdf", "application/pdf")
    assert name == "가" * 80 + ".pdf"


def test_clean_upload_uses_safe_name_for_traversal_and_korean():
    traversal = SimpleUploadedFile("x.jpg", make_jpeg())
    traversal._name = "../../etc/passwd.jpg"  # bypass Django's own basename, in case it changes
    assert clean_upload(traversal).name == "passwd.jpg"
    assert clean_upload(upload("../../etc/passwd.jpg", make_jpeg())).name == "passwd.jpg"
    assert clean_upload(upload("주민등록등본 사본.pdf", make_good_pdf())).name == (
        "주민등록등본_사본.pdf"
    )
