"""Schema order of WordprocessingML property elements (ECMA-376 CT_PPr, CT_RPr, CT_TblPr, CT_TcPr, CT_SectPr).
Word refuses or "repairs" a document whose property children are out of this order."""
import re
import zipfile

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SEQ = {
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
           "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
           "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
           "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
           "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl "
           "cs em lang eastAsianLayout specVanish oMath",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
             "tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark",
    "sectPr": "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc pgBorders lnNumType "
              "pgNumType cols formProt vAlign noEndnote titlePg textDirection bidi rtlGutter docGrid printerSettings",
}
ORDER = {k: {t: i for i, t in enumerate(v.split())} for k, v in SEQ.items()}


def violations(docx_path) -> list[str]:
    out = []
    with zipfile.ZipFile(docx_path) as z:
        for name in z.namelist():
            if not re.fullmatch(r"word/(document|styles|footer\d*|header\d*)\.xml", name):
                continue
            root = etree.fromstring(z.read(name))
            for parent, order in ORDER.items():
                for el in root.iter(W + parent):
                    idx = [order.get(c.tag.replace(W, ""), -1) for c in el if c.tag.startswith(W)]
                    if parent in ("pPr", "rPr") and el.getparent() is not None and el.getparent().tag == W + "rPrDefault":
                        pass
                    if parent == "sectPr":  # header/footer references may repeat in any order among themselves
                        idx = [max(i, 1) if i == 0 else i for i in idx]
                    if idx != sorted(idx):
                        out.append(f"{name}: <{parent}> children out of order: "
                                   f"{[c.tag.replace(W, '') for c in el]}")
    return out
