"""Generator/discriminator contracts, losses, a short real training run and the ONNX export."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import pytest
import skimage.data
import torch

from training import losses as L
from training.data.edges import edge_smooth
from training.export import FrameContract, export_onnx, load_generator, write_card
from training.nets import (
    GENERATOR_SPECS,
    TAIL_SPECS,
    CartoonTail,
    PatchDiscriminator,
    build_generator,
    conv_gflops,
    count_params,
    generator_stride,
)
from training.targets import cartoon_target, write_rgb
from training.train import TrainConfig, Trainer

torch.set_num_threads(2)


@pytest.mark.parametrize(
    "kind,style", [("fast", None), ("hq", None), ("fast", "outline"), ("hq", "scenery"), ("fast-fullres", "outline")]
)
def test_generator_keeps_shape_and_range(kind: str, style: str | None) -> None:
    g = build_generator(kind, style)
    x = torch.rand(2, 3, 64, 96) * 2 - 1
    with torch.no_grad():
        y = g(x)
    assert y.shape == x.shape
    assert float(y.min()) >= -1.0 and float(y.max()) <= 1.0


def test_generator_budgets() -> None:
    fast, hq = build_generator("fast"), build_generator("hq")
    assert count_params(fast) <= 1_000_000
    assert conv_gflops(fast) <= 2.5
    assert count_params(hq) >= 1_400_000  # White-box scale


def test_fast_generator_works_on_2x2_blocks_at_half_resolution() -> None:
    fast, fullres = GENERATOR_SPECS["fast"], GENERATOR_SPECS["fast-fullres"]
    assert generator_stride(fast) == 8 and generator_stride(fullres) == 4
    g = build_generator("fast")
    seen: list[tuple[int, int]] = []
    g.enc0.register_forward_hook(lambda _m, _i, out: seen.append(tuple(out.shape[-2:])))
    with torch.no_grad():
        y = g(torch.zeros(1, 3, 40, 56))
    assert seen == [(20, 28)]  # the first convolution already runs at half resolution
    assert y.shape == (1, 3, 40, 56)
    # Cheaper than the full-resolution U-Net although wider.
    assert conv_gflops(g) < conv_gflops(build_generator("fast-fullres"))


def test_folded_stem_is_the_same_function_and_unfolds_exactly() -> None:
    from training.nets import unfold_stem_weight

    torch.manual_seed(0)
    g = build_generator("fast")
    for p in g.parameters():  # the last layer starts at zero: give every layer some weight
        torch.nn.init.normal_(p, std=0.1)
    x = torch.rand(2, 3, 40, 56) * 2 - 1
    with torch.no_grad():
        want = g(x)
        first = g.enc0[0].weight.clone()
        g.fold_stem()
        got = g(x)
    assert g.stem is not None
    assert torch.allclose(got, want, atol=1e-4)  # float rounding, amplified through the network
    assert torch.equal(unfold_stem_weight(g.stem.weight, 2), first)


def test_cartoon_tail_inks_edges_and_keeps_flat_regions() -> None:
    spec = TAIL_SPECS["outline"]
    tail = CartoonTail(spec)
    # Flat means beyond the flattening's reach: its box filters are applied twice (2r).
    far = 2 * spec.flatten_radius + 4
    edge = far + 4
    x = torch.full((1, 3, 32, 2 * edge), 0.6)
    x[:, :, :, edge:] = -0.4  # a vertical step edge: bright left, dark right
    y = tail(x, x)
    assert abs(float(y[0, 0, 16, edge - far]) - 0.6) < 0.02 and abs(float(y[0, 0, 16, edge + far]) + 0.4) < 0.02
    assert float(y[0, :, 16, edge:edge + 2].mean()) < -0.7  # a dark line on the edge's dark side


def test_discriminator_scores_patches() -> None:
    d = PatchDiscriminator(3)
    assert d(torch.zeros(2, 3, 128, 128)).shape == (2, 1, 16, 16)
    assert PatchDiscriminator(1)(torch.zeros(1, 1, 64, 64)).shape == (1, 1, 8, 8)


def test_every_loss_is_finite_with_gradients() -> None:
    g = build_generator("fast", "outline")
    d3, d1 = PatchDiscriminator(3), PatchDiscriminator(1)
    photo = torch.rand(2, 3, 64, 64) * 2 - 1
    fake = g(photo)
    terms = {
        "adv_edge": L.lsgan_g_loss(d3(fake)),
        "adv_surface": L.lsgan_g_loss(d3(L.surface(fake))),
        "adv_texture": L.lsgan_g_loss(d1(L.random_colour_gray(fake))),
        "structure": L.structure_loss(fake),
        "tv": L.total_variation(fake),
        "content": L.content_loss(fake, photo),
        "target": L.target_loss(fake, photo.flip(3)),
        "d": L.lsgan_d_loss(d3(photo), [d3(fake.detach())]),
    }
    for name, loss in terms.items():
        assert torch.isfinite(loss), name
        params = list(d3.parameters()) if name == "d" else list(g.parameters())
        grads = torch.autograd.grad(loss, params, allow_unused=True, retain_graph=True)
        assert any(gr is not None and float(gr.abs().sum()) > 0 for gr in grads), f"{name} has no gradient"


def test_surface_is_smoother_than_input() -> None:
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    assert float(L.total_variation(L.surface(x))) < float(L.total_variation(x))


def _photos() -> list[np.ndarray]:
    imgs = [skimage.data.astronaut(), skimage.data.chelsea(), skimage.data.coffee(), skimage.data.rocket()]
    out = []
    for img in imgs:
        img = cv2.resize(img, (160, 128), interpolation=cv2.INTER_AREA)
        out += [img, img[:, ::-1].copy()]
    return out  # 8 photos


def _cartoon(i: int) -> np.ndarray:
    """Flat-colour shapes with black outlines: a genuine (if simple) cartoon image."""
    rng = np.random.default_rng(i)
    img = np.full((128, 128, 3), rng.integers(120, 255, 3), np.uint8)
    for _ in range(4):
        c = tuple(int(v) for v in rng.integers(0, 255, 3))
        center = tuple(int(v) for v in rng.integers(20, 108, 2))
        cv2.circle(img, center, int(rng.integers(10, 30)), c, -1)
        cv2.circle(img, center, int(rng.integers(10, 30)), (0, 0, 0), 2)
    return img


@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    for i, photo in enumerate(_photos()):
        write_rgb(root / "targets" / f"p{i}.photo.png", photo)
        write_rgb(root / "targets" / f"p{i}.png", cartoon_target(photo, "outline"))
    for i in range(8):
        c = _cartoon(i)
        write_rgb(root / "cartoon" / f"c{i}.png", c)
        write_rgb(root / "cartoon-smooth" / f"c{i}.png", edge_smooth(c))
    return root


def _config(root: Path, run_dir: Path, **kw: object) -> TrainConfig:
    base = dict(
        name="t", style="outline", generator="fast", targets=str(root / "targets"), cartoons=str(root / "cartoon"),
        cartoons_smooth=str(root / "cartoon-smooth"), run_dir=str(run_dir), crop=64, batch=4, init_steps=10,
        steps=12, threads=2, checkpoint_every=5, sample_every=1000, log_every=5,
    )
    base.update(kw)
    return TrainConfig(**base)  # type: ignore[arg-type]


def test_training_steps_lower_the_loss(tiny_dataset: Path, tmp_path: Path) -> None:
    trainer = Trainer(_config(tiny_dataset, tmp_path / "run", init_steps=60, steps=60, lr_g=1e-3), torch.device("cpu"))
    photo, target = trainer.photos.sample(8)  # a fixed batch to measure on

    def loss() -> float:
        with torch.no_grad():
            return float(L.target_loss(trainer.g(photo), target))

    before = loss()
    for _ in range(40):
        trainer.train_step()
    after = loss()
    assert after < before * 0.9, (before, after)


def test_adversarial_phase_runs_and_resumes(tiny_dataset: Path, tmp_path: Path) -> None:
    cfg = _config(tiny_dataset, tmp_path / "run")
    trainer = Trainer(cfg, torch.device("cpu"))
    trainer.run(max_minutes=None)
    assert trainer.step == 12
    rows = (tmp_path / "run" / "losses.csv").read_text().splitlines()
    assert any(",adv," in r for r in rows) and "d_edge" in rows[-2]
    resumed = Trainer(_config(tiny_dataset, tmp_path / "run", steps=14), torch.device("cpu"))
    assert resumed.step == 12
    logs = resumed.train_step()
    assert all(np.isfinite(v) for v in logs.values()) and "g_edge" in logs


def test_onnx_export_matches_pytorch_on_odd_sizes(tiny_dataset: Path, tmp_path: Path) -> None:
    trainer = Trainer(_config(tiny_dataset, tmp_path / "run", steps=3), torch.device("cpu"))
    trainer.run(max_minutes=None)
    generator, state = load_generator(tmp_path / "run" / "checkpoint.pt")
    out = tmp_path / "models"
    export_onnx(generator, out / "t.onnx")
    export_onnx(load_generator(tmp_path / "run" / "checkpoint.pt")[0], out / "t.fp16.onnx", fp16=True)
    card = write_card("t", state, generator, out, has_fp16=True)
    assert '"kind": "fast"' in card.read_text()
    reference = FrameContract(generator).eval()
    rng = np.random.default_rng(0)
    photo = cv2.resize(skimage.data.astronaut(), (341, 257))
    for name in ("t.onnx", "t.fp16.onnx"):
        session = ort.InferenceSession(str(out / name), providers=["CPUExecutionProvider"])
        for frames in (photo[None], rng.integers(0, 256, (2, 31, 45, 3), dtype=np.uint8)):
            got = session.run(None, {"image": frames})[0]
            with torch.no_grad():
                want = reference(torch.from_numpy(frames)).numpy()
            assert got.dtype == np.uint8 and got.shape == frames.shape
            assert np.abs(got.astype(int) - want.astype(int)).max() <= 2, name
        assert (out / name).stat().st_size <= 10 * 1024 * 1024


def test_reexport_keeps_the_unet_and_applies_the_current_tail(tiny_dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from training import nets, reexport

    trainer = Trainer(_config(tiny_dataset, tmp_path / "run", steps=2), torch.device("cpu"))
    trainer.run(max_minutes=None)
    generator, state = load_generator(tmp_path / "run" / "checkpoint.pt")
    out = tmp_path / "models"
    export_onnx(generator, out / "t.onnx")
    card = write_card("t", state, generator, out, has_fp16=False)
    style = json.loads(card.read_text())["style"]
    # A different tail: lines everywhere the old one drew none.
    bolder = dataclasses.replace(nets.TAIL_SPECS[style], threshold=0.0, ink=1.0, flatten_radius=9)
    monkeypatch.setitem(nets.TAIL_SPECS, style, bolder)
    assert reexport.main([str(card), "--no-fp16"]) == 0

    recovered = reexport.unet_weights(out / "t.onnx")
    for name, weight in generator.unet.state_dict().items():
        assert torch.equal(recovered[name], weight), name
    reference = FrameContract(reexport.generator_from_onnx(out / "t.onnx", "fast", style)).eval()
    assert reference.generator.tail.spec == bolder
    frames = cv2.resize(skimage.data.astronaut(), (93, 67))[None]
    got = ort.InferenceSession(str(out / "t.onnx"), providers=["CPUExecutionProvider"]).run(None, {"image": frames})[0]
    with torch.no_grad():
        want = reference(torch.from_numpy(frames)).numpy()
        before = FrameContract(generator).eval()(torch.from_numpy(frames)).numpy()
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 2
    assert np.abs(got.astype(int) - before.astype(int)).mean() > 1  # the tail change shows
    assert json.loads(card.read_text())["tail"]["flatten_radius"] == 9


def test_reexport_refuses_a_graph_without_generator_weights(tmp_path: Path) -> None:
    from training import reexport

    graph = onnx.helper.make_model(onnx.helper.make_graph(
        [onnx.helper.make_node("Identity", ["x"], ["y"])], "g",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])]))
    onnx.save(graph, tmp_path / "m.onnx")
    (tmp_path / "m.json").write_text(json.dumps({"name": "m", "kind": "fast", "style": "outline", "files": {"fp32": "m.onnx"}}))
    assert reexport.main([str(tmp_path / "m.json")]) == 2
