"""The real DICOM corpus of the conformance suite: every file pydicom ships as test data, with what
pydicom itself reads in it. Prints one JSON document: {"pydicom": version, "files": [...]}, where each
file has its path, whether pydicom opens it as DICOM (`dicom`), and, when it does, the header fields the
gateway keeps, as pydicom reads them (the expected values).

pydicom opens a file when `dcmread(force=True)` returns a data set that is DICOM: a Part 10 file (the
128-byte preamble and "DICM"), or a bare data set whose first element is a tag of the DICOM dictionary.
`force=True` also turns any other bytes into a one-element data set of an unknown tag: those are not
DICOM (text, JSON, gzip, ICC profiles, a data set that starts off its element boundary).
"""
import json
import pathlib
import warnings

import pydicom
from pydicom.datadict import dictionary_has_tag

warnings.simplefilter("ignore")
root = pathlib.Path(pydicom.__file__).parent / "data" / "test_files"


def text(ds, keyword):
    try:
        value = ds.get(keyword)
    except Exception:  # a value pydicom cannot decode is not expected either
        return None
    if value is None or value == "":
        return None
    return str(value).strip() or None


def describe(path):
    entry = {"path": str(path), "name": str(path.relative_to(root)), "size": path.stat().st_size}
    try:
        ds = pydicom.dcmread(path, force=True)
    except Exception as error:
        return {**entry, "dicom": False, "why": f"pydicom: {type(error).__name__}"}
    part10 = ds.preamble is not None
    first = next(iter(ds.keys()), None)
    if not part10 and (first is None or not dictionary_has_tag(first)):
        return {**entry, "dicom": False, "why": "no preamble, and the first element is no DICOM tag" + (f" ({first})" if first is not None else "")}
    meta = getattr(ds, "file_meta", None)
    frames = text(ds, "NumberOfFrames")
    return {
        **entry,
        "dicom": True,
        "part10": part10,
        "transferSyntax": text(meta, "TransferSyntaxUID") if meta is not None else None,
        "modality": text(ds, "Modality"),
        "studyDate": text(ds, "StudyDate"),
        "sopClassUid": text(ds, "SOPClassUID"),
        "numberOfFrames": int(frames) if frames and frames.isdigit() else None,
    }


files = [describe(p) for p in sorted(p for p in root.rglob("*") if p.is_file())]
print(json.dumps({"pydicom": pydicom.__version__, "files": files}, indent=1))
