"""A reader for the pickles of RecordIO verification files (`lfw.bin`, `agedb_30.bin`) that never unpickles.

These files are a pickle of `(list of image bytes, list of bools)`. Unpickling untrusted data
runs whatever code it names, so this reader interprets the opcodes itself and accepts only
those that build bytes, lists, tuples and booleans (with the memo and framing opcodes that
Python 2 and 3 write around them). Any other opcode refuses the file. Image bytes are not
even loaded: the reader notes where each starts and how long it is.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

__all__ = ["PickleRefused", "BytesAt", "scan_verification_pickle"]

#: Deepest nesting of lists and tuples accepted (the real files nest two levels).
_MAX_DEPTH = 32
_MAX_LINE = 32


class PickleRefused(ValueError):
    """A pickle that is not plain bytes, lists, tuples and booleans, or not well formed."""


@dataclass(frozen=True)
class BytesAt:
    """Where a bytes object's content lies in the file."""

    offset: int
    length: int


class _Mark:
    pass


_MARK = _Mark()

# Opcodes by byte; every one not named here is refused.
_NAMES = {
    0x80: "PROTO", 0x95: "FRAME", ord("."): "STOP", ord("("): "MARK", ord("]"): "EMPTY_LIST",
    ord("a"): "APPEND", ord("e"): "APPENDS", ord("l"): "LIST", ord(")"): "EMPTY_TUPLE", ord("t"): "TUPLE",
    0x85: "TUPLE1", 0x86: "TUPLE2", 0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE",
    ord("B"): "BINBYTES", ord("C"): "SHORT_BINBYTES", 0x8E: "BINBYTES8", ord("T"): "BINSTRING",
    ord("U"): "SHORT_BINSTRING", 0x94: "MEMOIZE", ord("q"): "BINPUT", ord("r"): "LONG_BINPUT",
    ord("h"): "BINGET", ord("j"): "LONG_BINGET", ord("p"): "PUT", ord("g"): "GET", ord("I"): "INT",
}
# What the refused opcodes that matter most do, for the message.
_DANGEROUS = {ord("c"): "GLOBAL", 0x93: "STACK_GLOBAL", ord("R"): "REDUCE", ord("b"): "BUILD", ord("i"): "INST",
              ord("o"): "OBJ", 0x81: "NEWOBJ", 0x92: "NEWOBJ_EX", ord("}"): "EMPTY_DICT", ord("s"): "SETITEM",
              ord("u"): "SETITEMS", 0x8F: "EMPTY_SET", 0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER",
              ord("P"): "PERSID", ord("Q"): "BINPERSID", ord("X"): "BINUNICODE", ord("V"): "UNICODE",
              ord("K"): "BININT1", ord("J"): "BININT", ord("M"): "BININT2", ord("G"): "BINFLOAT"}


def scan_verification_pickle(handle: BinaryIO, size: int, max_items: int) -> tuple[list[BytesAt], list[bool]]:
    """The images and same-person flags of a verification file, read without unpickling.

    Args:
        handle: the file, at its start (read forwards only).
        size: its size in bytes.
        max_items: the most bytes objects and booleans accepted.

    Returns:
        (where each image's bytes are, the flags); the flags may be empty.

    Raises:
        PickleRefused: any opcode other than those above, or a structure other than
            (list of bytes, list of bools).
    """
    top = _Machine(handle, size, max_items).run()
    if not isinstance(top, tuple | list) or len(top) < 1 or not isinstance(top[0], list):
        raise PickleRefused("it is not a pair of (images, flags)")
    images, flags = top[0], (top[1] if len(top) > 1 else [])
    if not all(isinstance(item, BytesAt) for item in images):
        raise PickleRefused("its image list holds something other than bytes")
    if not isinstance(flags, list) or not all(isinstance(flag, bool) for flag in flags):
        raise PickleRefused("its second part is not a list of booleans")
    return images, flags


class _Machine:
    def __init__(self, handle: BinaryIO, size: int, max_items: int):
        self.handle, self.size, self.max_items = handle, size, max_items
        self.pos = 0
        self.stack: list = []
        self.memo: dict[int, object] = {}
        self.items = 0

    def _read(self, count: int) -> bytes:
        if count < 0 or self.pos + count > self.size:
            raise PickleRefused(f"a length at byte {self.pos} runs past the end of the file")
        data = self.handle.read(count)
        if len(data) < count:
            raise PickleRefused("the file ends early")
        self.pos += count
        return data

    def _skip(self, count: int) -> BytesAt:
        where = BytesAt(self.pos, count)
        self._read_through(count)
        self._count()
        return where

    def _read_through(self, count: int) -> None:
        if count < 0 or self.pos + count > self.size:
            raise PickleRefused(f"a length at byte {self.pos} runs past the end of the file")
        while count:
            step = self.handle.read(min(count, 1024 * 1024))
            if not step:
                raise PickleRefused("the file ends early")
            count -= len(step)
            self.pos += len(step)

    def _line(self) -> bytes:
        line = b""
        while not line.endswith(b"\n"):
            line += self._read(1)
            if len(line) > _MAX_LINE:
                raise PickleRefused(f"an over-long text argument at byte {self.pos}")
        return line[:-1]

    def _count(self) -> None:
        self.items += 1
        if self.items > self.max_items:
            raise PickleRefused(f"more than {self.max_items:,} items")

    def _pop_mark(self) -> list:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index] is _MARK:
                items = self.stack[index + 1:]
                del self.stack[index:]
                return items
        raise PickleRefused("a MARK is missing")

    def _pop(self):
        if not self.stack or self.stack[-1] is _MARK:
            raise PickleRefused("the stack is empty where a value is needed")
        return self.stack.pop()

    def _push(self, value) -> None:
        if len(self.stack) > self.max_items + _MAX_DEPTH:
            raise PickleRefused("too many values")
        self.stack.append(value)

    def run(self):
        while True:
            at = self.pos
            code = self._read(1)[0]
            name = _NAMES.get(code)
            if name is None:
                what = _DANGEROUS.get(code, f"opcode 0x{code:02x}")
                raise PickleRefused(f"byte {at} is {what}, which builds something other than bytes, lists, tuples "
                                    "or booleans (nothing was unpickled)")
            if name == "STOP":
                return self._pop()
            self._step(name)

    def _step(self, name: str) -> None:
        if name == "PROTO":
            self._read(1)
        elif name == "FRAME":
            self._read(8)  # a hint for buffering; the opcodes inside are read as they come
        elif name == "MARK":
            self._push(_MARK)
        elif name == "EMPTY_LIST":
            self._push([])
        elif name == "EMPTY_TUPLE":
            self._push(())
        elif name == "APPEND":
            value = self._pop()
            self._list().append(value)
        elif name == "APPENDS":
            values = self._pop_mark()
            self._list().extend(values)
        elif name == "LIST":
            self._push(self._pop_mark())
        elif name == "TUPLE":
            self._push(tuple(self._pop_mark()))
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            count = int(name[-1])
            values = [self._pop() for _ in range(count)][::-1]
            self._push(tuple(values))
        elif name in ("NEWTRUE", "NEWFALSE"):
            self._count()
            self._push(name == "NEWTRUE")
        elif name == "INT":
            text = self._line()
            if text not in (b"00", b"01"):
                raise PickleRefused("an integer other than a boolean")
            self._count()
            self._push(text == b"01")
        elif name in ("BINBYTES", "BINSTRING"):
            self._push(self._skip(struct.unpack("<i", self._read(4))[0]))
        elif name in ("SHORT_BINBYTES", "SHORT_BINSTRING"):
            self._push(self._skip(self._read(1)[0]))
        elif name == "BINBYTES8":
            self._push(self._skip(struct.unpack("<Q", self._read(8))[0]))
        elif name == "MEMOIZE":
            self._memo_put(len(self.memo))
        elif name == "BINPUT":
            self._memo_put(self._read(1)[0])
        elif name == "LONG_BINPUT":
            self._memo_put(struct.unpack("<I", self._read(4))[0])
        elif name == "PUT":
            self._memo_put(self._number(self._line()))
        elif name == "BINGET":
            self._memo_get(self._read(1)[0])
        elif name == "LONG_BINGET":
            self._memo_get(struct.unpack("<I", self._read(4))[0])
        elif name == "GET":
            self._memo_get(self._number(self._line()))

    def _list(self) -> list:
        if not self.stack or not isinstance(self.stack[-1], list):
            raise PickleRefused("an append to something that is not a list")
        return self.stack[-1]

    @staticmethod
    def _number(text: bytes) -> int:
        if not text.isdigit():
            raise PickleRefused("a memo index that is not a number")
        return int(text)

    def _memo_put(self, index: int) -> None:
        if not self.stack or self.stack[-1] is _MARK:
            raise PickleRefused("a memo entry of nothing")
        if len(self.memo) > self.max_items + _MAX_DEPTH:
            raise PickleRefused("too many memo entries")
        self.memo[index] = self.stack[-1]

    def _memo_get(self, index: int) -> None:
        if index not in self.memo:
            raise PickleRefused(f"a memo entry {index} that was never stored")
        value = self.memo[index]
        if isinstance(value, BytesAt):
            # Each image of a verification file is its own bytes: a reference to one already read would let
            # a 2-byte opcode add an item (a 6 MB file, millions of items). Refused at the first one.
            raise PickleRefused(f"byte {self.pos} refers again to an image already read (a memo reference): "
                                "a verification file holds each image once")
        if isinstance(value, list | tuple):
            self._count()  # a container shared twice still counts against the limit of items
        self._push(value)
