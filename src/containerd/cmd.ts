// `k8ts images …`: placeholder until the containerd integration lands (issue 5).
export async function run(_args: string[]): Promise<void> {
  throw new Error('k8ts images: not built yet');
}
