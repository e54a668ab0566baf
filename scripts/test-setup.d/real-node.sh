# The real node's kubelet and kube-scheduler (Go, cached) and its images (pause, Node base, the project's
# own image from the Dockerfile, built offline with buildah; rebuilt only when src/ changes).
bash test/node/setup.sh
