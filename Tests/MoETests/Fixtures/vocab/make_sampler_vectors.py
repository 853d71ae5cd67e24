#!/usr/bin/env python3
"""Writes sampler-filters.json: 150 seeded random logit rows, histories and settings, with the
candidates llama.cpp's sampler chain (penalties → top_k → top_p → min_p → temp, llama.cpp
0c1e570 via llama-cpp-python 0.3.36) leaves and their final logits.

Usage: python3 make_sampler_vectors.py
"""
import ctypes, json, os, random
import llama_cpp as L

def run(logits, hist, s):
    chain = L.llama_sampler_chain_init(L.llama_sampler_chain_default_params())
    if s["penaltyWindow"] != 0:
        L.llama_sampler_chain_add(chain, L.llama_sampler_init_penalties(len(logits), s["penaltyWindow"], s["repeat"], s["freq"], s["presence"]))
    L.llama_sampler_chain_add(chain, L.llama_sampler_init_top_k(s["topK"]))
    L.llama_sampler_chain_add(chain, L.llama_sampler_init_top_p(s["topP"], 1))
    L.llama_sampler_chain_add(chain, L.llama_sampler_init_min_p(s["minP"], 1))
    L.llama_sampler_chain_add(chain, L.llama_sampler_init_temp(s["temp"]))
    for t in hist: L.llama_sampler_accept(chain, t)
    n = len(logits)
    data = (L.llama_token_data * n)()
    for i, l in enumerate(logits):
        data[i].id = i; data[i].logit = l; data[i].p = 0.0
    arr = L.llama_token_data_array(data=ctypes.cast(data, L.llama_token_data_p), size=n, selected=-1, sorted=False)
    L.llama_sampler_apply(chain, ctypes.byref(arr))
    out = [(arr.data[i].id, arr.data[i].logit) for i in range(arr.size)]
    L.llama_sampler_free(chain)
    return out

rng = random.Random(5)
cases = []
for k in range(150):
    n = rng.choice([8, 50, 300])
    logits = [round(rng.gauss(0, 3), 3) for _ in range(n)]
    if rng.random() < 0.3:  # a few dominant tokens
        for _ in range(3): logits[rng.randrange(n)] += 8
    s = dict(topK=rng.choice([0, 1, 5, 40, 100000]), topP=rng.choice([1.0, 0.95, 0.8, 0.5, 0.1]),
             minP=rng.choice([0.0, 0.05, 0.1, 0.3]), temp=rng.choice([0.7, 1.0, 1.5]),
             repeat=rng.choice([1.0, 1.1, 1.5]), freq=rng.choice([0.0, 0.2]), presence=rng.choice([0.0, 0.5]),
             penaltyWindow=rng.choice([0, 8, 64]))
    hist = [rng.randrange(n) for _ in range(rng.randrange(0, 20))]
    out = run(logits, hist, s)
    out.sort()
    cases.append(dict(logits=logits, history=hist, settings=s, ids=[i for i, _ in out],
                      final=[round(l, 5) for _, l in out]))
json.dump(cases, separators=(",", ":"), fp=open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "sampler-filters.json"), "w"))
print(len(cases), sum(len(c["ids"]) for c in cases))
