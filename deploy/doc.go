// Package deploy holds no code: this folder holds the Dockerfile, the
// Kubernetes manifests (k8s/) and the Slurm scripts (slurm/) that run a sweep
// experiment's shards on a cluster and merge them. Its test keeps them true to
// the experiments: the manifests decode, the shard count, the environment
// variables the experiments read, and the flags of the shards and of the
// merge, which must agree (a merge refuses parts made with other flags).
package deploy
