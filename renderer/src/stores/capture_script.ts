/**
 * capture/buddyscope-capture as the app shows it (Help › How to capture): its text from the host,
 * and saving it: through the host's native save dialog (Electron), else as a browser download.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { getApi } from '../api/client.ts'

export const useCaptureScriptStore = defineStore('captureScript', () => {
  const name = ref('buddyscope-capture')
  const text = ref<string | null>(null)
  const error = ref<string | null>(null)
  /** what the last save did, in words */
  const saved = ref<string | null>(null)

  async function load(): Promise<void> {
    if (text.value !== null) return
    try {
      const r = await (await getApi()).getCaptureScript({})
      name.value = r.name
      text.value = r.text
      error.value = null
    } catch (e) {
      error.value = e instanceof Error ? e.message : (e as { message?: string }).message ?? String(e)
    }
  }

  async function save(): Promise<void> {
    if (text.value === null) return
    try {
      const r = await (await getApi()).saveCaptureScript({})
      if (r.supported) {
        saved.value = r.path ? `Saved as ${r.path} (executable).` : null
        return
      }
      download(name.value, text.value)
      saved.value = `Downloaded as ${name.value}. On the target machine: sudo sh ${name.value} -h`
    } catch (e) {
      error.value = e instanceof Error ? e.message : (e as { message?: string }).message ?? String(e)
    }
  }

  return { name, text, error, saved, load, save }
})

function download(fileName: string, body: string): void {
  const url = URL.createObjectURL(new Blob([body], { type: 'text/x-shellscript' }))
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
