// @roamhq/wrtc ships DOM-shaped typings; this module is the one place that loads it.
import wrtc from '@roamhq/wrtc';

export const { RTCPeerConnection, MediaStream, nonstandard } = wrtc;
export type PeerConnection = InstanceType<typeof wrtc.RTCPeerConnection>;
export type I420Frame = wrtc.nonstandard.RTCVideoFrame;
export type AudioData = wrtc.nonstandard.RTCAudioData;
