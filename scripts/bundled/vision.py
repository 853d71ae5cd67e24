"""The bundled model's vision tower: transformers' Llama4VisionModel (Meta's reference) with the real
336/14 geometry (24×24 patches + class token, 2D RoPE, pixel shuffle 2× → 144 embeddings per tile)
and tiny widths, plus Llama4MultiModalProjector into the text width.

Image prompt, as transformers' Llama4Processor writes one tile:
  <|image_start|><|image|><|patch|>×144<|image_end|>, the 144 <|patch|> embeddings replaced by the
  projector's output, placed at the start of the user turn (right after "\\n\\n").
"""
from __future__ import annotations

import torch
import torch.nn as nn

VISION = dict(hidden_size=64, num_attention_heads=4, num_hidden_layers=3, intermediate_size=256,
              image_size=336, patch_size=14, num_channels=3, norm_eps=1e-5, pixel_shuffle_ratio=0.5,
              rope_theta=10000.0)
PATCHES_PER_TILE = (336 // 14) ** 2 // 4  # 144


class VisionTower(nn.Module):
    def __init__(self, text_width: int):
        super().__init__()
        from transformers.models.llama4.configuration_llama4 import Llama4Config, Llama4TextConfig, Llama4VisionConfig
        from transformers.models.llama4.modeling_llama4 import Llama4MultiModalProjector, Llama4VisionModel
        v = dict(VISION)
        theta = v.pop("rope_theta")
        vc = Llama4VisionConfig(**v, projector_input_dim=text_width, projector_output_dim=text_width,
                                vision_output_dim=text_width,
                                rope_parameters={"rope_type": "default", "rope_theta": theta})
        vc._attn_implementation = "sdpa"
        tc = Llama4TextConfig(hidden_size=text_width)
        cfg = Llama4Config(vision_config=vc, text_config=tc)
        self.vc = vc
        self.vision_model = Llama4VisionModel(vc)
        self.multi_modal_projector = Llama4MultiModalProjector(cfg)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """[B, 3, 336, 336] → [B·144, text_width]."""
        feats = self.vision_model(pixel_values=pixel_values, return_dict=True).last_hidden_state
        return self.multi_modal_projector(feats.reshape(-1, feats.shape[-1]))

    def vc_dict(self, text_width: int) -> dict:
        d = {k: v for k, v in VISION.items() if k != "rope_theta"}
        d.update(projector_input_dim=text_width, projector_output_dim=text_width, vision_output_dim=text_width)
        return d


def image_token_ids(tok) -> list[int]:
    s = tok.sid
    return [s("<|image_start|>"), s("<|image|>")] + [s("<|patch|>")] * PATCHES_PER_TILE + [s("<|image_end|>")]


def image_sample(tok, question: str, answer: str) -> tuple[list[int], list[float]]:
    """BOS, user turn = "\\n\\n" + image + question, assistant turn = answer; weight on the answer only."""
    HS, HE, EOT, BOS = (tok.sid(x) for x in ("<|header_start|>", "<|header_end|>", "<|eot|>", "<|begin_of_text|>"))
    ids = [BOS, HS] + tok.encode("user") + [HE] + tok.encode("\n\n") + image_token_ids(tok) + tok.encode(question) + [EOT]
    w = [0.0] * len(ids)
    head = [HS] + tok.encode("assistant") + [HE]
    body = tok.encode("\n\n" + answer)
    ids += head + body + [EOT]
    w += [0.0] * len(head) + [0.0] + [1.0] * (len(body) - 1) + [1.0]
    return ids, w


def prompt_ids(tok, question: str) -> list[int]:
    ids, _ = image_sample(tok, question, "x")
    HS = tok.sid("<|header_start|>")
    cut = len(ids) - 1 - ids[::-1].index(HS)
    return ids[:cut] + [HS] + tok.encode("assistant") + [tok.sid("<|header_end|>")] + tok.encode("\n\n")
