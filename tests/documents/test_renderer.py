"""The PDF renderer fetches nothing: no local files, no network."""

import base64
import io

from PIL import Image
from pypdf import PdfReader

from documents.renderer import render_html


def has_image(pdf: bytes) -> bool:
    for page in PdfReader(io.BytesIO(pdf)).pages:
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        if any(ref.get_object().get("/Subtype") == "/Image" for ref in xobjects.values()):
            return True
    return False


def test_local_files_and_urls_are_not_fetched(tmp_path):
    # given a real image on disk, which WeasyPrint would embed if it were allowed to read files
    image = tmp_path / "secret.png"
    Image.new("RGB", (40, 40), "red").save(image)
    inline = base64.b64encode(image.read_bytes()).decode()
    assert has_image(render_html(f'<img src="data:image/png;base64,{inline}">'))  # the check sees an inline image

    # when a document refers to the file and to the network
    pdf = render_html(
        f'<p>Tarjouspyyntö</p><img src="file://{image}"><img src="http://127.0.0.1:9/x.png">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
    )

    # then nothing was embedded
    assert pdf.startswith(b"%PDF-")
    assert not has_image(pdf)
    assert "root:" not in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
