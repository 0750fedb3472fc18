"""The starter config `papertriage init` writes (the same text as config.example.yaml)."""

STARTER_CONFIG = """\
# papertriage config: profiles of weighted terms that papers are scored against.
# Every key is shown here; only `profiles:` with at least one profile and its `terms:` is required.
# Rank with it:   papertriage rank LISTING -c config.example.yaml [-p PROFILE]...
# Found without -c at: $PAPERTRIAGE_CONFIG, ./papertriage.yaml, then the user config dir.

defaults:
  threshold: 88            # minimum similarity 0-100 for a fuzzy (typo-tolerant) match to count
  fields: {title: 3, abstract: 1}   # a match in the title counts 3x one in the abstract
  min_score: 0             # papers scoring less than this are not listed under a profile

profiles:
  efficient-llm:
    description: Making large language models cheaper to train and run
    terms:
      - quantization                      # also matches quantisation, quantized (typos within threshold)
      - {term: mixture of experts, weight: 2, aliases: [MoE, sparse experts]}
      - {term: KV cache, weight: 1.5}
      - {term: speculative decoding, weight: 1.5}
      - pruning
      - distillation
      - {term: LoRA, exact: true}         # terms of 4 characters or fewer always match exactly
      - {term: inference efficiency, weight: 1}
      - partitioning
    exclude: [federated]                  # a paper matching any of these is dropped from this profile
    require: []                           # if set, at least one of these must match
    min_score: 1

  retrieval:
    description: Retrieval-augmented generation and search
    threshold: 90                         # a profile may set its own threshold
    fields: {title: 4, abstract: 1}       # ... and its own field weights
    terms:
      - {term: retrieval augmented generation, weight: 2, aliases: [RAG]}
      - dense retrieval
      - reranking
      - {term: vector database, weight: 1.5}
      - knowledge graph
    min_score: 1

  scaling:
    description: Distributed training and scaling laws
    terms:
      - {term: scaling law, weight: 2}
      - {term: data parallel, aliases: [data parallelism]}
      - {term: pipeline parallelism}
      - {term: tensor parallelism}
      - hyperparameter
      - {term: ZeRO, exact: true}
    min_score: 1

  # A profile imported from a Boolean search string (`papertriage profiles import QUERY --name NAME`):
  # review:
  #   concepts: all          # the terms are concepts joined by AND: scores scale with the share matched
  #   terms:
  #     - {term: migraine, fields: [title, abstract], aliases: [headache*]}   # fields: where it is looked for
  #     - {term: sumatriptan, aliases: [zolmitriptan, {term: triptan*, fields: [title]}]}
"""
