"""The ReportLab peer of `cargo bench --bench peers`.

Draws the superbills of a display list (written by benches/peers.rs from
our own PDFs: every text show with its font, size, position and string,
every line, rectangle, colour and image) with ReportLab's canvas, the way a
ReportLab superbill would draw them: setFont/drawString at the same
positions, line, rect, drawImage. It does none of the layout or text
measuring our renderer does, so the comparison favours ReportLab.

Usage: reportlab_superbill.py DISPLAY.json OUT_DIR, then commands on stdin,
one per line, each answered with one line on stdout:
  write  -> draws every document once and saves OUT_DIR/<name>.pdf; "ok"
  time   -> draws every document to bytes in memory; "<cpu s> <wall s>",
            the thread's CPU time and the wall time of the drawing alone
            (interpreter start-up and JSON parsing are not counted)
  quit
Needs `pip install reportlab` (and Pillow, which it installs, for images).
"""

import copy
import json
import os
import sys
import time
from io import BytesIO

from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen import canvas


class PreparedImage:
    """An image XObject compressed once, reused by every document.

    Our renderer compresses its images once per batch; ReportLab's
    drawImage would digest and compress the pixels again for every
    document. To keep the comparison conservative, ReportLab gets the same
    advantage: the XObject is built once, and each document registers it
    as drawImage does on a first use (see Canvas.drawImage in ReportLab).
    """

    def __init__(self, index, spec, directory):
        with open(os.path.join(directory, spec["data"]), "rb") as f:
            data = f.read()
        img = Image.frombytes(spec["mode"], (spec["w"], spec["h"]), data)
        mask = None
        if spec["alpha"] is not None:
            with open(os.path.join(directory, spec["alpha"]), "rb") as f:
                alpha = Image.frombytes("L", (spec["w"], spec["h"]), f.read())
            img = img.convert("RGBA")
            img.putalpha(alpha)
            mask = "auto"
        self.name = "superbill-image-%d" % index
        self.xobj = pdfdoc.PDFImageXObject(self.name, ImageReader(img), mask=mask)
        self.xobj.name = self.name
        self.smask = getattr(self.xobj, "_smask", None)
        if self.smask is not None:
            del self.xobj._smask

    def draw(self, c, x, y, w, h):
        doc = c._doc
        reg = doc.getXObjectName(self.name)
        if doc.idToObject.get(reg) is None:
            # A document registers (and so marks) the object it is given:
            # each gets a shallow copy, sharing the compressed bytes.
            xobj = copy.copy(self.xobj)
            c._setXObjects(xobj)
            doc.Reference(xobj, reg)
            doc.addForm(self.name, xobj)
            if self.smask is not None:
                smask = copy.copy(self.smask)
                c._setXObjects(smask)
                xobj.smask = doc.Reference(smask, doc.getXObjectName(smask.name))
        c._currentPageHasImages = 1
        c.saveState()
        c.translate(x, y)
        c.scale(w, h)
        c._code.append("/%s Do" % reg)
        c.restoreState()
        c._formsinuse.append(self.name)


def draw(doc, images, out):
    """One superbill: every page of the display list, in order."""
    first = doc["pages"][0]
    c = canvas.Canvas(out, pagesize=(first["w"], first["h"]))
    for page in doc["pages"]:
        c.setPageSize((page["w"], page["h"]))
        for op in page["ops"]:
            kind = op[0]
            if kind == "text":
                c.setFont(op[1], op[2])
                c.drawString(op[3], op[4], op[5])
            elif kind == "rg":
                c.setFillColorRGB(op[1], op[2], op[3])
            elif kind == "RG":
                c.setStrokeColorRGB(op[1], op[2], op[3])
            elif kind == "w":
                c.setLineWidth(op[1])
            elif kind == "line":
                c.line(op[1], op[2], op[3], op[4])
            elif kind == "rect":
                fill = op[5]
                c.rect(op[1], op[2], op[3], op[4], stroke=1 - fill, fill=fill)
            elif kind == "image":
                images[op[1]].draw(c, op[2], op[3], op[4], op[5])
            else:
                raise ValueError("unknown display-list op %r" % kind)
        c.showPage()
    c.save()


def main():
    path, out_dir = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    directory = os.path.dirname(os.path.abspath(path))
    images = [PreparedImage(i, s, directory) for i, s in enumerate(data["images"])]
    docs = data["docs"]
    print("ready", flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "write":
            for d in docs:
                draw(d, images, os.path.join(out_dir, d["name"] + ".pdf"))
            print("ok", flush=True)
        elif cmd == "time":
            cpu, wall = time.thread_time(), time.perf_counter()
            for d in docs:
                buf = BytesIO()
                draw(d, images, buf)
                buf.getvalue()
            print(
                "%.6f %.6f" % (time.thread_time() - cpu, time.perf_counter() - wall),
                flush=True,
            )
        elif cmd == "quit":
            break
        else:
            raise ValueError("unknown command %r" % cmd)


if __name__ == "__main__":
    main()
