"""Photos and models every process sees: the local folder and an S3-compatible
bucket (moto's server, a real HTTP S3) behave the same."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

import pytest
from PIL import Image

from bot.media import MediaStore
from bot.settings import Settings
from bot.storage import MEDIA, MODELS, ObjectStore, StoreError, remote_store, shared_store
from bot.storage.local import LocalFolder
from bot.training import ModelFiles, current_model, model_path_for
from tests.support import ROOT

StoreFactory = Callable[[str], ObjectStore]


def settings_with(env: dict[str, str], tmp_path: Path) -> Settings:
    return Settings.from_env({"DORPSPOMP_HOME": str(tmp_path), **env})


@pytest.fixture(params=["folder", "s3"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """A maker of two views of one store (as two processes have), by area."""
    if request.param == "folder":
        return lambda area: LocalFolder(tmp_path / area)
    settings = settings_with(request.getfixturevalue("s3_env"), tmp_path)
    return lambda area: shared_store(settings, area, tmp_path / "unused")


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(buffer, "JPEG")
    return buffer.getvalue()


def test_objects_are_put_read_and_deleted(stores: StoreFactory, tmp_path: Path) -> None:
    writer, reader = stores(MEDIA), stores(MEDIA)
    writer.put("a.jpg", b"pixels")
    assert reader.exists("a.jpg") and reader.get("a.jpg") == b"pixels"
    assert reader.get("b.jpg") is None and not reader.exists("b.jpg")
    assert not stores(MODELS).exists("a.jpg"), "areas are apart"
    reader.delete("a.jpg")
    reader.delete("a.jpg")  # gone is gone: no error
    assert not writer.exists("a.jpg")


def test_large_files_go_up_and_come_down_whole(stores: StoreFactory, tmp_path: Path) -> None:
    source = tmp_path / "model.tar.gz"
    source.write_bytes(bytes(range(256)) * 40_000)  # 10 MB: boto3 uploads it in parts
    stores(MODELS).upload("model.tar.gz", source)
    target = tmp_path / "elsewhere" / "model.tar.gz"
    assert stores(MODELS).download("model.tar.gz", target)
    assert target.read_bytes() == source.read_bytes()
    assert not stores(MODELS).download("other.tar.gz", tmp_path / "elsewhere" / "other.tar.gz")
    assert sorted(p.name for p in target.parent.iterdir()) == ["model.tar.gz"], "no partial files left"


@pytest.mark.parametrize("key", ["../secrets", "/etc/passwd", "a/b.jpg", "", ".hidden", "x" * 300])
def test_keys_that_could_leave_the_area_are_refused(stores: StoreFactory, key: str) -> None:
    with pytest.raises(ValueError):
        stores(MEDIA).put(key, b"x")


async def test_a_photo_one_gateway_took_is_there_for_every_other(stores: StoreFactory) -> None:
    one, other = MediaStore(stores(MEDIA)), MediaStore(stores(MEDIA))
    stored = await one.store(jpeg())
    assert await other.has(stored.id)
    photo = await other.photo(stored.id)
    assert photo is not None and photo.startswith(b"\xff\xd8")
    await other.delete(stored.id)
    assert not await one.has(stored.id) and await one.photo(stored.id) is None


def test_a_model_trained_by_one_engine_is_loaded_by_another(s3_env: dict[str, str], tmp_path: Path) -> None:
    settings = settings_with(s3_env, tmp_path)
    trainer = ModelFiles(tmp_path / "trainer", remote_store(settings, MODELS))
    replica = ModelFiles(tmp_path / "replica", remote_store(settings, MODELS))
    model = model_path_for(ROOT, trainer.folder)
    model.parent.mkdir()
    model.write_bytes(b"a trained model")
    trainer.publish(model)
    assert current_model(ROOT, replica) == replica.folder / model.name
    assert (replica.folder / model.name).read_bytes() == b"a trained model"
    assert replica.named("dorpspomp-0000000000000000.tar.gz") is None


def test_an_unreachable_store_is_an_error_not_a_missing_photo(tmp_path: Path) -> None:
    settings = settings_with(
        {
            "OBJECT_STORE_URL": "s3://nowhere/x",
            "S3_ENDPOINT_URL": "http://127.0.0.1:9",
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "a",
            "S3_SECRET_ACCESS_KEY": "b",
        },
        tmp_path,
    )
    store = shared_store(settings, MEDIA, tmp_path)
    with pytest.raises(StoreError):
        store.get("a.jpg")
    with pytest.raises(StoreError):
        store.exists("a.jpg")
