#!/bin/sh
# Sourced by the compare scripts: refuses to compare unless Debian's
# libblas.so.3 is OpenBLAS, which is what the PyTorch peer (Debian's torch
# calls whatever libblas.so.3 points at) and numpy multiply with. With
# python3-torch alone it is netlib's reference BLAS, 10-40x slower, and any
# ratio against it is meaningless. Prints one line naming the BLAS and the
# threads it runs; OPENBLAS_CORETYPE is left as the machine sets it.
#   apt-get install -y python3-torch libopenblas0-pthread python3-threadpoolctl
blas=$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | sed -n 's/^Value: *//p')
case "$blas" in
*openblas*) ;;
*)
	echo "compare: libblas.so.3 is '${blas:-not installed}', not OpenBLAS; apt-get install -y python3-torch libopenblas0-pthread" >&2
	exit 1 ;;
esac
loaded=$(/usr/bin/python3 - <<'PY'
import sys
try:
    import numpy, torch
    from threadpoolctl import threadpool_info
except ImportError as e:
    sys.exit(f"compare: {e}; apt-get install -y python3-torch python3-numpy python3-threadpoolctl")
torch.ones(64, 64) @ torch.ones(64, 64)
libs = [i for i in threadpool_info() if i.get("user_api") == "blas"]
if not libs or any(i.get("internal_api") != "openblas" for i in libs):
    sys.exit("compare: the BLAS loaded is %s, not OpenBLAS" % [(i.get("internal_api"), i.get("filepath")) for i in libs])
print("; ".join("%s %s (%s, %d threads)" % (i["internal_api"], i.get("version"), i.get("architecture"), i["num_threads"]) for i in libs))
PY
) || exit 1
echo "BLAS: $blas: $loaded"
