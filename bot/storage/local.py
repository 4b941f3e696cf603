"""The default store: a folder on this machine (or on a volume all replicas mount)."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Callable, Optional

from bot.storage import checked_key

Writer = Callable[[Path], object]


class LocalFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / checked_key(key)

    def _write(self, key: str, fill: Writer) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self._path(key)
        # Written beside, then renamed: a crash leaves no half file under the key.
        partial = self.folder / f".{key}.{uuid.uuid4().hex}.part"
        try:
            fill(partial)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

    def put(self, key: str, data: bytes) -> None:
        self._write(key, lambda path: path.write_bytes(data))

    def get(self, key: str) -> Optional[bytes]:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def upload(self, key: str, source: Path) -> None:
        if source.resolve() != self._path(key).resolve():
            self._write(key, lambda path: shutil.copyfile(source, path))

    def download(self, key: str, target: Path) -> bool:
        source = self._path(key)
        if not source.is_file():
            return False
        if source.resolve() != target.resolve():
            LocalFolder(target.parent)._write(target.name, lambda path: shutil.copyfile(source, path))
        return True
