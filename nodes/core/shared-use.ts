// One thing that several nodes use at once, such as a camera's control session or a device's
// PTCP session owned by a config node: it starts when the first user comes and stops when the
// last one leaves, so a camera nobody uses holds no connection (Node-RED's MQTT broker node does
// the same with its clients).

export class SharedUse<User> {
  private readonly users = new Set<User>();

  constructor(private readonly start: () => void, private readonly stop: () => void | Promise<void>) {}

  get count(): number {
    return this.users.size;
  }

  add(user: User): void {
    if (this.users.has(user)) return;
    this.users.add(user);
    if (this.users.size === 1) this.start();
  }

  /** Resolves once stopped, when this was the last user. */
  async remove(user: User): Promise<void> {
    if (!this.users.delete(user) || this.users.size > 0) return;
    await this.stop();
  }

  /** The owner is closing: forget every user and stop. */
  async end(): Promise<void> {
    this.users.clear();
    await this.stop();
  }
}
