from __future__ import annotations

import pytest

from idolguard.faces import BACKENDS, FaceBackendError
from idolguard.faces.calibration import load_calibration


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_every_backend_ships_a_calibration_for_its_current_version(name: str) -> None:
    cls = BACKENDS[name].load_class()
    calibration = load_calibration(name, cls.version)
    assert 0 < calibration.far <= 0.01
    assert calibration.impostor_median < calibration.threshold
    assert calibration.confidence(calibration.threshold) == pytest.approx(0.5)
    assert calibration.confidence(calibration.threshold + 0.1) > 0.9
    assert calibration.confidence(calibration.impostor_median) < 0.1


def test_a_stale_calibration_is_refused() -> None:
    with pytest.raises(FaceBackendError, match="calibrate_faces"):
        load_calibration("arcface", "0")
