export async function dev(_o: unknown): Promise<void> {}
