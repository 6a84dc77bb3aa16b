// `k8ts kubelet`: placeholder until the kubelet lands (issue 5).
export async function run(_args: string[]): Promise<void> {
  throw new Error('k8ts kubelet: not built yet');
}
