"""Video domains for Recycle-GAN: clips of frames, served as windows of consecutive frames.

An item holds one frame of each domain, "A" and "B" (C, H, W), with the frames just before it,
"A_past" and "B_past" (past_frames, C, H, W; oldest first), from unrelated clips of the two domains.
Recycle-GAN's predictors learn to continue a clip from its past; a per-frame family (CycleGAN) reads
"A" and "B" alone, so both train on the same data. A window is jittered as one (the same crop for
all its frames). The validation split also serves whole clips (`clips`), for the temporal measures.

Folders (`data=video data.root=...`): root/trainA, trainB, testA, testB (valA, valB when present)
each hold one folder per clip, its frames as images in the order their names sort
(`ffmpeg -i clip.mp4 clip/%05d.png`). Built in (`data=moving_clips`): moving shapes (A) and moving
digits (B), `gan_lightning.data.clips`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from gan_lightning.data.clips import digit_glyphs, moving_clip
from gan_lightning.data.paired import TranslationDataModule, image_files, read_image
from gan_lightning.data.translation import Jitter, checked_direction
from gan_lightning.data.unpaired import UnpairedImages
from gan_lightning.errors import DataError


class ClipWindows:
    """Every window of `past_frames` + 1 consecutive frames of some clips, as (past_frames + 1, C, H, W)
    tensors in [-1, 1]. A clip is a uint8 (T, C, H, W) tensor, or a list of frame files read on access."""

    def __init__(self, clips: list[Tensor | list[Path]], past_frames: int, jitter: Jitter, channels: int = 3):
        self.clips, self.past_frames, self.jitter, self.channels = clips, past_frames, jitter, channels
        self.starts = [(c, start) for c, clip in enumerate(clips) for start in range(len(clip) - past_frames)]

    def __len__(self) -> int:
        return len(self.starts)

    def frames(self, clip: int, start: int, stop: int) -> tuple[Tensor, ...]:
        frames = self.clips[clip][start:stop]
        return self.jitter(*(read_image(f, self.channels) if isinstance(f, Path) else f for f in frames))

    def __getitem__(self, index: int) -> Tensor:
        clip, start = self.starts[index]
        return torch.stack(self.frames(clip, start, start + self.past_frames + 1))

    def unjittered(self) -> ClipWindows:
        return ClipWindows(self.clips, self.past_frames, self.jitter.for_evaluation(), self.channels)

    def whole(self, clip: int) -> Tensor:
        """All the frames of one clip, (T, C, H, W)."""
        return torch.stack(self.frames(clip, 0, len(self.clips[clip])))


class Frames:
    """The last frame of each window: a domain's images as per-frame measures (FD) see them."""

    def __init__(self, windows: ClipWindows):
        self.windows = windows

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, index: int) -> Tensor:
        return self.windows[index][-1]

    def unjittered(self) -> Frames:
        return Frames(self.windows.unjittered())


class UnpairedClips(UnpairedImages):
    """Windows of two domains' clips as {"A", "A_past", "B", "B_past"} items (see the module docstring)."""

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        windows = super().__getitem__(index)
        return {key: frames for name, window in windows.items() for key, frames in ((name, window[-1]), (f"{name}_past", window[:-1]))}

    def domain(self, name: str) -> Frames:
        return Frames(super().domain(name))

    def clips(self, name: str) -> list[Tensor]:
        """Every clip of domain `name` (A or B, after direction), whole: (T, C, H, W) each."""
        windows = super().domain(name)
        return [windows.whole(c) for c in range(len(windows.clips))]


CLIP_FOLDERS = {  # split -> domain -> the folders that may hold its clips, in order
    "train": {"A": ("trainA",), "B": ("trainB",)},
    "validation": {"A": ("valA", "testA"), "B": ("valB", "testB")},
}


def checked_past_frames(past_frames: int) -> int:
    if not isinstance(past_frames, int) or past_frames < 1:
        raise DataError(f"data.past_frames must be a whole number of frames, 1 or more, not {past_frames}")
    return past_frames


class VideoDataModule(TranslationDataModule):
    """Two domains of clips under `root` (see the module docstring); a clip with fewer than
    past_frames + 1 frames gives no window.

    Args:
        root: the dataset folder.
        image_size, load_size, flip: the crop G trains on, the size before cropping, random mirroring
            (one draw per window).
        channels: 1 (grey) or 3 (RGB), for both domains.
        past_frames: frames before each frame served with it (2: Recycle-GAN's predictors read two).
        direction: AtoB, or BtoA to swap the domains.
        Loader arguments: see GANDataModule.
    """

    metrics_backbone = "inception"
    paired = False

    def __init__(
        self, root: str, image_size: int = 256, load_size: int | None = 286, flip: bool = True, channels: int = 3,
        past_frames: int = 2, direction: str = "AtoB", **loader_args,
    ):  # fmt: skip
        super().__init__(**loader_args)
        if channels not in (1, 3):
            raise DataError(f"data.channels must be 1 or 3, not {channels}")
        self.root, self.image_size, self.load_size, self.flip, self.channels = Path(root), image_size, load_size, flip, channels
        self.past_frames, self.direction = checked_past_frames(past_frames), checked_direction(direction)

    def domain_clips(self, split: str, domain: str) -> list[list[Path]]:
        """The clips (frame files) of one split of one domain: those of the first of its folders that holds
        clip folders (validation: valA, else testA); a split without one, or whose clips are all too short, stops here."""
        for name in CLIP_FOLDERS[split][domain]:
            folder = self.root / name
            clips = [files for c in sorted(folder.iterdir()) if c.is_dir() and (files := image_files(c))] if folder.is_dir() else []
            if clips:
                break
        else:
            raise DataError(f"no {split} clips of domain {domain} under {self.root}: trainA, trainB, testA and testB each hold one folder of frames per clip")
        if max(len(c) for c in clips) <= self.past_frames:
            raise DataError(f"every {split} clip of domain {domain} has {self.past_frames} frames or fewer: lower data.past_frames or add longer clips")
        return clips

    def splits(self) -> tuple[UnpairedClips, UnpairedClips]:
        if not self.root.is_dir():
            raise DataError(
                f"data.root={self.root} is not a folder: point it at a video dataset (root/trainA, trainB, testA, testB, each a folder of clip folders)"
            )
        train_jitter, val_jitter = Jitter(self.image_size, self.load_size, self.flip, train=True), Jitter(self.image_size, train=False)
        train = [ClipWindows(self.domain_clips("train", d), self.past_frames, train_jitter, self.channels) for d in "AB"]
        val = [ClipWindows(self.domain_clips("validation", d), self.past_frames, val_jitter, self.channels) for d in "AB"]
        return UnpairedClips(*train, True, self.direction), UnpairedClips(*val, False, self.direction)


def plain_digits(frames: Tensor) -> Tensor:
    """Coloured digits on dark backgrounds -> grey digits on black as the digits classifier reads
    them: the brightest channel, stretched to [-1, 1] per frame."""
    grey = frames.amax(dim=1, keepdim=True)
    low, high = grey.amin(dim=(2, 3), keepdim=True), grey.amax(dim=(2, 3), keepdim=True)
    return (grey - low) / (high - low).clamp_min(1e-3) * 2 - 1


class MovingClipsDataModule(TranslationDataModule):
    """Built-in video domains: A moving shapes, B moving digits (`gan_lightning.data.clips`), RGB.

    Args:
        image_size, load_size, flip: as VideoDataModule (flip off: mirrored digits are not digits).
        channels: 3, in the config for the networks.
        clips: clips per domain (train and validation together; val_fraction of them held out).
        frames: frames per clip.
        past_frames, direction: as VideoDataModule.
        seed: the seed the clips are drawn from.
        Loader arguments: see GANDataModule.
    """

    metrics_backbone = "digits_classifier"
    paired = False

    def __init__(
        self, image_size: int = 32, load_size: int | None = 36, flip: bool = False, channels: int = 3, clips: int = 300,
        frames: int = 10, past_frames: int = 2, seed: int = 0, direction: str = "AtoB", **loader_args,
    ):  # fmt: skip
        super().__init__(**loader_args)
        if channels != 3:
            raise DataError(f"the moving clips are coloured: data.channels must be 3, not {channels}")
        if frames <= checked_past_frames(past_frames):
            raise DataError(f"data.frames={frames} leaves no frame after data.past_frames={past_frames}: give more frames than past frames")
        if clips < 2:
            raise DataError(f"data.clips must be 2 or more, not {clips}")
        self.image_size, self.load_size, self.flip, self.channels = image_size, load_size, flip, channels
        self.clips, self.frames, self.past_frames, self.seed = clips, frames, past_frames, seed
        self.direction = checked_direction(direction)

    def as_plain_digits(self, images: Tensor, domain: str) -> Tensor | None:
        """Frames of `domain` (after direction) as the digits classifier reads them; None for the shapes."""
        digits = (domain == "B") != (self.direction == "BtoA")
        return plain_digits(images) if digits else None

    def splits(self) -> tuple[UnpairedClips, UnpairedClips]:
        glyphs, _ = digit_glyphs()
        train, val = self.split_indices(self.clips)
        train_jitter, val_jitter = Jitter(self.image_size, self.load_size, self.flip, train=True), Jitter(self.image_size, train=False)
        windows = {"train": [], "validation": []}
        for kind in ("shapes", "digits"):
            drawn = [moving_clip(kind, self.seed, i, self.frames, self.image_size, glyphs)[0] for i in range(self.clips)]
            clips = torch.from_numpy(np.stack(drawn)).permute(0, 1, 4, 2, 3)  # (clips, T, 3, H, W) uint8
            windows["train"].append(ClipWindows(list(clips[train]), self.past_frames, train_jitter))
            windows["validation"].append(ClipWindows(list(clips[val]), self.past_frames, val_jitter))
        return UnpairedClips(*windows["train"], True, self.direction), UnpairedClips(*windows["validation"], False, self.direction)
