"""What an ELF file needs from the dynamic loader: its interpreter, DT_NEEDED sonames and run paths.

The image carries no package manager, so its shared libraries are chosen by reading what every
binary in it asks for (the same walk `ldd` does, without running anything). Only 64-bit
little-endian files are read: the image is built for x86_64 (amd64) only.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

MAGIC = b"\x7fELF"
PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
DT_NULL, DT_NEEDED, DT_STRTAB, DT_RPATH, DT_RUNPATH = 0, 1, 5, 15, 29
_HEADER = struct.Struct("<16sHHIQQQIHHHHHH")
_PHDR = struct.Struct("<IIQQQQQQ")
_DYN = struct.Struct("<qQ")


class NotElf(ValueError):
    pass


@dataclass(frozen=True)
class Dynamic:
    interpreter: str | None
    needed: tuple[str, ...]
    runpath: tuple[str, ...]


def dynamic(path: Path) -> Dynamic:
    """The loader-relevant facts of one ELF64 LE file (NotElf for anything else)."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise NotElf(f"{path}: not an ELF file")
    if data[4] != 2 or data[5] != 1:
        raise NotElf(
            f"{path}: only 64-bit little-endian ELF is supported (class {data[4]}, data {data[5]})"
        )
    header = _HEADER.unpack_from(data)
    phoff, phentsize, phnum = header[5], header[9], header[10]
    loads, dyn, interpreter = [], None, None
    for i in range(phnum):
        p_type, _, offset, vaddr, _, filesz, _, _ = _PHDR.unpack_from(data, phoff + i * phentsize)
        if p_type == PT_LOAD:
            loads.append((vaddr, offset, filesz))
        elif p_type == PT_DYNAMIC:
            dyn = (offset, filesz)
        elif p_type == PT_INTERP:
            interpreter = data[offset : offset + filesz].rstrip(b"\0").decode()
    if dyn is None:
        return Dynamic(interpreter, (), ())

    def file_offset(vaddr: int) -> int:
        for start, offset, size in loads:
            if start <= vaddr < start + size:
                return vaddr - start + offset
        raise NotElf(f"{path}: address {vaddr:#x} is in no loaded segment")

    entries = []
    for pos in range(dyn[0], dyn[0] + dyn[1], _DYN.size):
        tag, value = _DYN.unpack_from(data, pos)
        if tag == DT_NULL:
            break
        entries.append((tag, value))
    strtab = file_offset(next(v for t, v in entries if t == DT_STRTAB))

    def string(offset: int) -> str:
        start = strtab + offset
        return data[start : data.index(b"\0", start)].decode()

    needed = tuple(string(v) for t, v in entries if t == DT_NEEDED)
    paths = [string(v) for t, v in entries if t in (DT_RPATH, DT_RUNPATH)]
    runpath = tuple(p for joined in paths for p in joined.split(":") if p)
    return Dynamic(interpreter, needed, runpath)
