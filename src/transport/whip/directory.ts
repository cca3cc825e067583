/** A publication as WHEP looks it up. */
export interface Listed {
  readonly id: string;
}

/** The live WHIP publications by id, in the order they started ("latest" = the newest). */
export class PublicationDirectory<P extends Listed> {
  private readonly byId = new Map<string, P>();

  add(publication: P): void {
    this.byId.set(publication.id, publication);
  }

  remove(publication: P): void {
    if (this.byId.get(publication.id) === publication) this.byId.delete(publication.id);
  }

  get(id: string): P | undefined {
    return this.byId.get(id);
  }

  latest(): P | undefined {
    let last: P | undefined;
    for (const p of this.byId.values()) last = p;
    return last;
  }
}
