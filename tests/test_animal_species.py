"""The hand-made list of big cats among the animal faces' validation wild images."""

from imgcls.data import animal_species
from imgcls.data.animal_species import VALID_BIG_CATS, face_group
from imgcls.data.registry import MANIFESTS


def _manifest_files(folder: str) -> set[str]:
    lines = (MANIFESTS / "animal_faces.sha256").read_text().splitlines()
    paths = [line.split(maxsplit=1)[1] for line in lines if line.strip()]
    return {p.rsplit("/", 1)[1] for p in paths if p.startswith(f"{folder}/")}


def test_big_cats_are_19_of_the_50_validation_wild_files():
    valid_wild = _manifest_files("valid/wild")
    assert len(valid_wild) == 50 and len(VALID_BIG_CATS) == 19
    assert VALID_BIG_CATS <= valid_wild


def test_face_group_splits_only_the_wild_class():
    assert face_group("data/animal_faces/valid/cat/flickr_cat_000008.jpg") == "cat"
    assert face_group("x/valid/dog/pixabay_dog_000001.jpg") == "dog"
    assert face_group("x/valid/wild/flickr_wild_000286.jpg") == "wild: big cat"
    assert face_group("x/valid/wild/flickr_wild_000004.jpg") == "wild: fox"
    # training holds only foxes, whatever a file is called
    assert face_group("x/train/wild/flickr_wild_000286.jpg") == "wild: fox"


def test_face_groups_follow_the_image_folder(monkeypatch):
    names = {"cat": ["a.jpg"], "dog": ["b.jpg"],
             "wild": ["flickr_wild_000004.jpg", "flickr_wild_000428.jpg"]}

    class Folder:  # ImageFolder's samples: (path, class index), sorted by class and file
        samples = [(f"root/valid/{label}/{name}", i)
                   for i, (label, files) in enumerate(names.items()) for name in files]

    monkeypatch.setattr(animal_species, "animal_faces", lambda split: Folder())
    assert animal_species.face_groups("valid").tolist() == [
        "cat", "dog", "wild: fox", "wild: big cat"]
