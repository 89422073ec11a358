"""Each test has a user cache of its own: what one test caches (font widths, templates found sound) cannot make
another pass or fail."""
from pathlib import Path

from docgen.core.files import user_cache as docgen_cache
from docgen.documents import metrics


def test_the_cache_is_this_tests_and_starts_empty(user_cache):
    assert docgen_cache("metrics").parent == user_cache
    assert sorted(p.name for p in user_cache.iterdir()) == ["lo-profiles"]
    assert (user_cache / "lo-profiles").is_symlink()


def test_font_widths_are_cached_in_this_tests_folder(user_cache):
    metrics._font.cache_clear()
    try:
        assert metrics.em("中", "FangSong") == 1.0
        files = list((user_cache / "metrics").glob("*.marshal"))
        assert len(files) == 1 and files[0].stat().st_size > 10_000  # a CJK face's table: thousands of widths
    finally:
        metrics._font.cache_clear()


def test_a_second_test_sees_none_of_the_first_ones_cache(user_cache):
    assert not (user_cache / "metrics").exists()
    assert not Path(docgen_cache("templates")).exists()
