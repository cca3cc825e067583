import { shareStop } from '../../client/extension/track';

class FakeTrack {
  static made = 0;
  readonly n = FakeTrack.made++;
  dressed = false;
  stops = 0;
  stop(): void {
    this.stops++;
  }
  clone(): FakeTrack {
    return new FakeTrack();
  }
}

describe('stopping the cartoon track', () => {
  it('releases the camera and peer once, when the track is stopped', () => {
    const release = jest.fn();
    const track = shareStop(new FakeTrack(), release);
    track.stop();
    track.stop();
    expect(track.stops).toBe(2);
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('waits for every clone (and clones of clones) to stop, in any order', () => {
    const release = jest.fn();
    const track = shareStop(new FakeTrack(), release, (c) => Object.assign(c, { dressed: true }));
    const a = track.clone();
    const b = a.clone();
    expect([a.dressed, b.dressed]).toEqual([true, true]);
    track.stop();
    a.stop();
    a.stop();
    expect(release).not.toHaveBeenCalled();
    b.stop();
    expect(release).toHaveBeenCalledTimes(1);
    expect([track.stops, a.stops, b.stops]).toEqual([1, 2, 1]);
  });
});
