/** The content width of an element, kept up to date with a ResizeObserver (0 until measured). */
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'

export function useElementWidth(el: Ref<HTMLElement | null>): Ref<number> {
  const width = ref(0)
  let ro: ResizeObserver | null = null
  onMounted(() => {
    if (!el.value || typeof ResizeObserver === 'undefined') return
    ro = new ResizeObserver((entries) => {
      width.value = Math.round(entries[0]?.contentRect.width ?? 0)
    })
    ro.observe(el.value)
  })
  onBeforeUnmount(() => ro?.disconnect())
  return width
}
