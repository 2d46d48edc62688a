"""Run a Piper (VITS) voice as two ONNX models so memory stops growing with sentence length.

Most of a VITS voice's inference memory is the decoder (HiFi-GAN): it turns the
latent frames into audio 256 samples per frame through a stack of convolutions,
and its activations grow with the audio made in one call (~110 MB for 5 s).
The decoder is convolution only, so each output sample depends on a few
neighbouring frames (±11 for en_US-joe-medium, measured by perturbing one
frame); decoding overlapping windows and keeping each window's middle gives
the same samples as decoding the whole sentence, asserted in the tests.

So the voice is cut once, at the decoder's input, into encoder.onnx (text
encoder, duration predictor, flow: small activations) and decoder.onnx, kept
in a cache directory named by the model's hash. Cutting loads the whole model
with the onnx package (~200 MB for a moment), so it runs in a subprocess:

    python -m masthead.narration.engines.piper_split MODEL.onnx DEST_DIR

This module imports neither Django nor piper, so that subprocess stays small.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

# The node VITS exports name for the decoder's first convolution (Piper's training code, torch.onnx.export).
DECODER_ENTRY = "/dec/conv_pre/Conv"
ENCODER_FILE, DECODER_FILE = "encoder.onnx", "decoder.onnx"
# Latent frames per decoder call (~1.2 s of audio at 256 samples per frame, 22,050 Hz) and the frames
# decoded either side of a window and thrown away; must cover the decoder's receptive field (±11 here).
WINDOW_FRAMES = 100
OVERLAP_FRAMES = 12
EXIT_CANNOT_SPLIT, EXIT_NOT_INSTALLED = 3, 4


class SplitError(Exception):
    """This model cannot be cut at the decoder (not a VITS export we know)."""


def split_model(source: Path, dest: Path) -> None:
    """Write DEST/encoder.onnx and DEST/decoder.onnx; DEST appears complete or not at all."""
    import onnx
    from onnx import helper

    try:
        model = onnx.load(str(source))
    except Exception as exc:  # noqa: BLE001 -- protobuf's DecodeError, OSError: not a model we can read
        raise SplitError(f"cannot read {source}: {exc}") from exc
    graph = model.graph
    entry = next((node for node in graph.node if node.name == DECODER_ENTRY), None)
    if entry is None:
        raise SplitError(f"{source.name} has no {DECODER_ENTRY} node")
    weights = {init.name for init in graph.initializer}
    boundary = next((name for name in entry.input if name not in weights), None)
    if boundary is None:
        raise SplitError(f"{DECODER_ENTRY} in {source.name} takes no activation input")

    producer = {out: index for index, node in enumerate(graph.node) for out in node.output}

    def needed(targets: list[str], stop: str) -> set[int]:
        seen: set[int] = set()
        stack = list(targets)
        while stack:
            tensor = stack.pop()
            if tensor == stop or tensor not in producer or producer[tensor] in seen:
                continue
            seen.add(producer[tensor])
            stack.extend(graph.node[producer[tensor]].input)
        return seen

    decoder_nodes = needed([out.name for out in graph.output], boundary)
    encoder_nodes = needed([boundary], "")
    graph_inputs = {inp.name for inp in graph.input}
    decoder_reads = {name for i in decoder_nodes for name in graph.node[i].input}
    if decoder_reads & graph_inputs or decoder_nodes & encoder_nodes:
        raise SplitError(f"the decoder of {source.name} reads more than {boundary!r}")

    latent = helper.make_tensor_value_info(boundary, onnx.TensorProto.FLOAT, ["batch", "channels", "frames"])
    decoder_graph = helper.make_graph(
        [graph.node[i] for i in sorted(decoder_nodes)],
        "piper-decoder",
        [latent],
        list(graph.output),
        initializer=[init for init in graph.initializer if init.name in decoder_reads],
    )
    decoder = helper.make_model(decoder_graph, opset_imports=list(model.opset_import))
    decoder.ir_version = model.ir_version

    # The encoder is the original model with the decoder removed, edited in place: the weights are never copied.
    encoder_reads = {name for i in encoder_nodes for name in graph.node[i].input}
    kept = [graph.node[i] for i in sorted(encoder_nodes)]
    del graph.node[:]
    graph.node.extend(kept)
    for index in reversed(range(len(graph.initializer))):
        if graph.initializer[index].name not in encoder_reads:
            del graph.initializer[index]
    del graph.value_info[:]
    del graph.output[:]
    graph.output.append(latent)

    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        staging.chmod(0o755)
        onnx.save(decoder, str(staging / DECODER_FILE))
        onnx.save(model, str(staging / ENCODER_FILE))
        try:
            os.rename(staging, dest)
        except OSError:
            if not (dest / DECODER_FILE).exists():  # not a concurrent twin that finished first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class WindowedSession:
    """What PiperVoice needs of an onnxruntime session (``run``): the encoder once, then the decoder window by window."""

    def __init__(self, encoder: Any, decoder: Any, *, window: int = WINDOW_FRAMES, overlap: int = OVERLAP_FRAMES) -> None:
        self.encoder, self.decoder = encoder, decoder
        self.latent = decoder.get_inputs()[0].name
        self.window, self.overlap = window, overlap

    def run(self, output_names: Any, feeds: dict[str, Any], run_options: Any = None) -> list[Any]:
        import numpy as np

        (latent,) = self.encoder.run([self.latent], feeds, run_options)
        frames = latent.shape[2]
        pieces = []
        for start in range(0, frames, self.window):
            end = min(start + self.window, frames)
            lo, hi = max(start - self.overlap, 0), min(end + self.overlap, frames)
            (audio,) = self.decoder.run(None, {self.latent: latent[:, :, lo:hi]}, run_options)
            audio = audio.reshape(-1)
            hop, rest = divmod(audio.size, hi - lo)
            if rest:
                raise SplitError(f"decoder made {audio.size} samples from {hi - lo} frames")
            pieces.append(audio[(start - lo) * hop : (end - lo) * hop])
        return [np.concatenate(pieces).reshape(1, 1, -1) if pieces else np.zeros((1, 1, 0), dtype=np.float32)]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: python -m masthead.narration.engines.piper_split MODEL.onnx DEST_DIR\n")
        return 2
    try:
        split_model(Path(argv[0]), Path(argv[1]))
    except ImportError as exc:
        sys.stderr.write(f"the onnx package is not installed: {exc}\n")
        return EXIT_NOT_INSTALLED
    except SplitError as exc:
        sys.stderr.write(f"cannot split: {exc}\n")
        return EXIT_CANNOT_SPLIT
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
