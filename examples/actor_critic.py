"""Actor-critic with three optimizers: encoder, actor and critic, each on its own schedule.

    python examples/actor_critic.py [--total-steps 200] [--policy-delay 2]

The schedules are the RL reference's ``differential`` preset (a ``per_group`` config for
groups ``encoder``, ``actor``, ``critic``), one per optimizer: the encoder constant at
8e-5, the actor decaying exponentially from 1.2e-4, the critic stepping down from 1.5e-4 to
5e-5. ``S.OptimizersConfig`` gives each optimizer the parameters of its submodule. The actor
is updated every ``--policy-delay`` steps (as in TD3): its schedule is driven with
``step_to`` by the number of actor updates, so it counts its own optimizer's steps.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import torch
from torch import nn

import nshsched as S


class Agent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(6, 16), nn.ReLU())
        self.actor = nn.Linear(16, 2)
        self.critic = nn.Linear(16 + 2, 1)


def config() -> S.OptimizersConfig:
    differential = S.presets.load("differential")
    return S.OptimizersConfig(
        optimizers={
            key: S.OptimizationConfig(
                module=key,
                optimizer=S.AdamConfig(lr=lr),
                scheduler=differential.groups[key],  # type: ignore[attr-defined]
            )
            for key, lr in (("encoder", 8e-5), ("actor", 1.2e-4), ("critic", 1.5e-4))
        }
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total-steps", type=int, default=200)
    parser.add_argument("--policy-delay", type=int, default=2)
    args = parser.parse_args(argv)

    cfg = config()
    torch.manual_seed(0)
    agent = Agent()
    total = args.total_steps
    actor_updates = math.ceil(total / args.policy_delay)
    built = {
        # the actor's schedule spans its own number of updates
        key: cfg.optimizers[key].build(agent, S.TrainingLength(steps_per_epoch=n, total_steps=n))
        for key, n in (("encoder", total), ("actor", actor_updates), ("critic", total))
    }
    # (OptimizersConfig.build(agent, length) does the same with one length for all three,
    # and checks that every trainable parameter has exactly one owner:)
    assert set(cfg.build(agent, S.TrainingLength(steps_per_epoch=total, total_steps=total))) == {
        "encoder",
        "actor",
        "critic",
    }
    logged: dict[str, list[float]] = {key: [] for key in built}
    done = 0
    for step in range(total):
        obs = torch.randn(32, 6)
        h = agent.encoder(obs)
        action = torch.tanh(agent.actor(h))
        q = agent.critic(torch.cat([h, action.detach()], dim=1))
        critic_loss = (q - 1.0).pow(2).mean()
        for key in ("encoder", "critic"):
            built[key][0].zero_grad()
        critic_loss.backward()
        for key in ("encoder", "critic"):
            opt, sched = built[key]
            logged[key].append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        if step % args.policy_delay == 0:
            opt, sched = built["actor"]
            h = agent.encoder(obs).detach()
            actor_loss = -agent.critic(torch.cat([h, torch.tanh(agent.actor(h))], dim=1)).mean()
            opt.zero_grad()
            actor_loss.backward()
            logged["actor"].append(opt.param_groups[0]["lr"])
            opt.step()
            done += 1
            sched.step_to(done)

    for key, (_, _) in built.items():
        n = len(logged[key])
        length = S.TrainingLength(steps_per_epoch=n, total_steps=n)
        want = S.preview(cfg.optimizers[key], length, model=agent)[:n, 0]
        np.testing.assert_allclose(logged[key], want, rtol=1e-12)
        print(f"{key:8} {n:3} updates, lr {want[0]:.2e} -> {want[-1]:.2e}")
    print("every optimizer's LRs equal to nshsched.preview")


if __name__ == "__main__":
    main()
