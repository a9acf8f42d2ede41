#!/usr/bin/env python3
"""Expected reward and the chance of ending in the goal corner under a policy that
`copi mdp --json` wrote (Python standard library only).

  evaluate.py T.csv R.csv I.csv POLICY.json [LATENT]

POLICY.json's "policy" (t x state x action) is followed; with LATENT, the per-latent
policy "policy_low"[t][s][LATENT] of a --latent-mode episode solve (that skill alone).
Prints the expected Σ_t r(s_t, a_t) and P(s_T = 0_6), the chance of being in the corner
at the last step, by forward propagation of the state distribution (no sampling)."""
import csv
import json
import sys


def main():
    transitions, rewards, initial, policy_file = sys.argv[1:5]
    latent = sys.argv[5] if len(sys.argv) > 5 else None
    doc = json.load(open(policy_file))
    states, actions = doc["states"], doc["actions"]
    s_index = {name: i for i, name in enumerate(states)}
    a_index = {name: i for i, name in enumerate(actions)}
    step = {}
    for row in csv.DictReader(open(transitions)):
        key = (s_index[row["state"]], a_index[row["action"]])
        step.setdefault(key, []).append((s_index[row["next_state"]], float(row["probability"])))
    reward = {(s_index[r["state"]], a_index[r["action"]]): float(r["reward"]) for r in csv.DictReader(open(rewards))}
    d = [0.0] * len(states)
    for row in csv.DictReader(open(initial)):
        d[s_index[row["state"]]] = float(row["probability"])
    if latent is None:
        policy = doc["policy"]
    else:
        z = doc["latents"].index(latent)
        policy = [[per_state[z] for per_state in t] for t in doc["policy_low"]]
    total = 0.0
    last = d
    for pi in policy:
        last = d
        nxt = [0.0] * len(states)
        for s, mass in enumerate(d):
            if mass == 0.0:
                continue
            for a, p in enumerate(pi[s]):
                total += mass * p * reward[(s, a)]
                for target, q in step[(s, a)]:
                    nxt[target] += mass * p * q
        d = nxt
    print(f"expected reward {total:.3f}   P(in 0_6 at the last step) {last[s_index['0_6']]:.3f}")


if __name__ == "__main__":
    main()
