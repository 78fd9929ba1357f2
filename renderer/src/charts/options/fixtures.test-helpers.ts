/** A zone summary for option tests (the DMA32 zone of the x86 512 MiB fixture, trimmed). */
import type { ZoneSummary } from '../../api/types.ts'

export const MTS = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate']

export function dma32(): ZoneSummary {
  return {
    node: 0, zone: 'DMA32', startPfn: 4096, spanned: 126941, present: 126941, managed: 113199, freePages: 45799, pcpPages: 1153,
    watermarks: { min: 5610, low: 7012, high: 8414, boost: 0 },
    freeBlocks: [18267, 6284, 591, 15, 2, 1, 2, 2, 3, 2, 10],
    freeBlocksByMigratetype: {
      Unmovable: [32, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      Movable: [18235, 6268, 591, 15, 2, 1, 2, 2, 3, 2, 10],
      Reclaimable: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      HighAtomic: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      Isolate: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    },
    freePagesByMigratetype: { Unmovable: 64, Movable: 45735, Reclaimable: 0, HighAtomic: 0, Isolate: 0 },
    pageblocks: { Unmovable: 56, Movable: 186, Reclaimable: 6, HighAtomic: 0, Isolate: 0 },
    mixedPageblocks: { Unmovable: 1, Movable: 26, Reclaimable: 6, HighAtomic: 0, Isolate: 0 },
    unusableIndex: [0, 398, 673, 724, 727, 728, 728, 731, 737, 754, 776],
    extfragIndex: [-1000, -1000, -1000, -1000, -1000, -1000, -1000, -1000, -1000, -1000, -1000],
    fragmentationScore: 75,
    largestFreeOrder: 10,
  }
}
