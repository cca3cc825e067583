// Included first by every file that is compiled once per instruction set: kernels_*.cc define
// TOONSTREAM_ISA, the namespace of that build, before including them.
#pragma once

#ifndef TOONSTREAM_ISA
#error compiled through kernels_*.cc, which name the instruction set
#endif
