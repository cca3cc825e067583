import { httpOverheadSection } from './http-overhead';
import { inferenceSection } from './inference';
import { pipelineBatchingSection } from './pipeline-batching';
import { pipelineFlickerSection } from './pipeline-flicker';
import { pipelineHdSection } from './pipeline-hd';
import { pipelineOverheadSection } from './pipeline-overhead';
import type { BenchSection } from './types';
import { videoFileSection } from './video-file';
import { liveSection } from './live';
import { cameraSection } from './camera';
import { whipSection } from './whip';

/** Every bench section, in run order. Add a section: one file in scripts/bench/, one line here. */
export const sections: readonly BenchSection[] = [
  inferenceSection,
  httpOverheadSection,
  pipelineOverheadSection,
  pipelineBatchingSection,
  pipelineHdSection,
  pipelineFlickerSection,
  videoFileSection,
  liveSection,
  whipSection,
  cameraSection,
];
