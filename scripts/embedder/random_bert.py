#!/usr/bin/env python3
"""Random-weight BERT checkpoints in Hugging Face layout, and a numpy reference forward pass.

Used by EmbedderTests (testBGELargeShapeRandomCheckpointMatchesNumpyReference) and by
bench/embed to prove the 24-layer, 1024-wide, 16-head path of BGE-large-en-v1.5 without its
weights, which no reachable package ships.

  make:      random_bert.py make OUT_DIR --vocab VOCAB_TXT [--layers 24 --hidden 1024
                 --heads 16 --intermediate 4096 --seed 7 --pooling cls]
  reference: random_bert.py reference MODEL_DIR REQUEST_JSON RESPONSE_JSON

`make` is idempotent: an existing checkpoint with a matching `random_bert_spec.json` is kept.
`reference` reads {"inputs": [{"ids": [...], "type_ids": [...]}, ...]} and writes, per input,
the float64 last hidden state's CLS row and mean (both L2-normalised) and probe rows.
Needs numpy and safetensors only (scripts/bootstrap --test installs them).
"""
import json, math, os, shutil, sys
import numpy as np


def make(out_dir, vocab, layers=24, hidden=1024, heads=16, intermediate=4096, seed=7,
         pooling="cls"):
    spec = dict(layers=layers, hidden=hidden, heads=heads, intermediate=intermediate,
                seed=seed, pooling=pooling, version=3)
    spec_path = os.path.join(out_dir, "random_bert_spec.json")
    if os.path.exists(spec_path) and json.load(open(spec_path)) == spec \
            and os.path.exists(os.path.join(out_dir, "model.safetensors")):
        return
    from safetensors.numpy import save_file
    os.makedirs(os.path.join(out_dir, "1_Pooling"), exist_ok=True)
    shutil.copyfile(vocab, os.path.join(out_dir, "vocab.txt"))
    vocab_size = sum(1 for _ in open(vocab, encoding="utf-8"))
    rng = np.random.default_rng(seed)

    def normal(shape, std):
        return (rng.standard_normal(shape, dtype=np.float32) * np.float32(std))

    t = {
        "embeddings.word_embeddings.weight": normal((vocab_size, hidden), 0.5),
        "embeddings.position_embeddings.weight": normal((512, hidden), 0.2),
        "embeddings.token_type_embeddings.weight": normal((2, hidden), 0.2),
        "embeddings.LayerNorm.weight": 1 + normal((hidden,), 0.1),
        "embeddings.LayerNorm.bias": normal((hidden,), 0.1),
        "pooler.dense.weight": normal((hidden, hidden), 0.03),
        "pooler.dense.bias": normal((hidden,), 0.02),
    }
    # Larger query/key weights than BERT's 0.02 init make attention far from uniform, so the
    # softmax is really exercised; small value/output weights keep each layer's update a
    # fraction of the residual, so 24 random layers do not collapse every token onto one
    # vector (which would make CLS and mean pooling indistinguishable).
    stds = {"attention.self.query": 0.06, "attention.self.key": 0.06,
            "attention.self.value": 0.01, "attention.output.dense": 0.01,
            "intermediate.dense": 0.04, "output.dense": 0.005}
    for layer in range(layers):
        p = f"encoder.layer.{layer}."
        for name, std in stds.items():
            out_w, in_w = hidden, hidden
            if name == "intermediate.dense":
                out_w = intermediate
            if name == "output.dense":
                in_w = intermediate
            t[p + name + ".weight"] = normal((out_w, in_w), std)
            t[p + name + ".bias"] = normal((out_w,), 0.01)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            t[p + norm + ".weight"] = 1 + normal((hidden,), 0.1)
            t[p + norm + ".bias"] = normal((hidden,), 0.01)
    save_file(t, os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt"})
    config = {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
        "hidden_size": hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
        "intermediate_size": intermediate, "vocab_size": vocab_size,
        "max_position_embeddings": 512, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
        "position_embedding_type": "absolute",
    }
    json.dump(config, open(os.path.join(out_dir, "config.json"), "w"), indent=1)
    json.dump({"do_lower_case": True}, open(os.path.join(out_dir, "tokenizer_config.json"), "w"))
    json.dump({"word_embedding_dimension": hidden,
               "pooling_mode_cls_token": pooling == "cls",
               "pooling_mode_mean_tokens": pooling == "mean"},
              open(os.path.join(out_dir, "1_Pooling", "config.json"), "w"))
    # sentence-transformers' layout, so the benchmark's PyTorch baseline pools the same way.
    json.dump([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
               {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}],
              open(os.path.join(out_dir, "modules.json"), "w"))
    json.dump({"max_seq_length": 512, "do_lower_case": False},
              open(os.path.join(out_dir, "sentence_bert_config.json"), "w"))
    json.dump(spec, open(spec_path, "w"))


_erf = np.frompyfunc(math.erf, 1, 1)


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def forward(W, cfg, ids, type_ids):
    """float64 BERT forward for one unpadded sequence: post-LN, exact erf GELU."""
    g = lambda k: W[k].astype(np.float64)
    H, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    hd, eps, T = H // nh, cfg["layer_norm_eps"], len(ids)
    x = g("embeddings.word_embeddings.weight")[ids] \
        + g("embeddings.position_embeddings.weight")[:T] \
        + g("embeddings.token_type_embeddings.weight")[type_ids]
    x = layer_norm(x, g("embeddings.LayerNorm.weight"), g("embeddings.LayerNorm.bias"), eps)
    for l in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        lin = lambda v, n: v @ g(p + n + ".weight").T + g(p + n + ".bias")
        q = lin(x, "attention.self.query").reshape(T, nh, hd).transpose(1, 0, 2)
        k = lin(x, "attention.self.key").reshape(T, nh, hd).transpose(1, 0, 2)
        v = lin(x, "attention.self.value").reshape(T, nh, hd).transpose(1, 0, 2)
        s = (q @ k.transpose(0, 2, 1)) / math.sqrt(hd)
        s = np.exp(s - s.max(-1, keepdims=True))
        s = s / s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(T, H)
        x = layer_norm(lin(ctx, "attention.output.dense") + x,
                       g(p + "attention.output.LayerNorm.weight"),
                       g(p + "attention.output.LayerNorm.bias"), eps)
        h = lin(x, "intermediate.dense")
        h = 0.5 * h * (1 + _erf(h / math.sqrt(2.0)).astype(np.float64))
        x = layer_norm(lin(h, "output.dense") + x, g(p + "output.LayerNorm.weight"),
                       g(p + "output.LayerNorm.bias"), eps)
    return x


def reference(model_dir, request_path, response_path):
    from safetensors.numpy import load_file
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    W = load_file(os.path.join(model_dir, "model.safetensors"))
    request = json.load(open(request_path))
    out = []
    for item in request["inputs"]:
        h = forward(W, cfg, item["ids"], item["type_ids"])
        l2 = lambda v: v / max(np.linalg.norm(v), 1e-12)
        out.append({"cls_normalized": l2(h[0]).tolist(), "mean_normalized": l2(h.mean(0)).tolist(),
                    "last_token_first8": h[-1][:8].tolist()})
    json.dump({"outputs": out}, open(response_path, "w"))


def main(argv):
    if len(argv) >= 2 and argv[1] == "make":
        args = {"layers": 24, "hidden": 1024, "heads": 16, "intermediate": 4096, "seed": 7,
                "pooling": "cls", "vocab": None}
        rest = argv[3:]
        for i in range(0, len(rest), 2):
            key = rest[i].lstrip("-")
            args[key] = rest[i + 1] if key in ("vocab", "pooling") else int(rest[i + 1])
        make(argv[2], **args)
    elif len(argv) == 5 and argv[1] == "reference":
        reference(argv[2], argv[3], argv[4])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
