import { describe, expect, it } from 'vitest'
import { readUploads, uploadTitle } from './files.ts'

describe('uploads', () => {
  it('names an upload after its folder, its one file, or its file count', () => {
    expect(uploadTitle([{ name: 'capture.tar.gz' }])).toBe('capture.tar.gz')
    expect(uploadTitle([{ name: 'buddyinfo', webkitRelativePath: 'host7/buddyinfo' }, { name: 'zoneinfo', webkitRelativePath: 'host7/zoneinfo' }])).toBe('host7')
    expect(uploadTitle([{ name: 'buddyinfo' }, { name: 'zoneinfo' }])).toBe('uploaded capture (2 files)')
  })
  it('reads bytes under plain names, skips hidden files, refuses duplicates', async () => {
    const f = (name: string, text: string) => new File([text], name)
    const out = await readUploads([f('buddyinfo', 'abc'), f('.DS_Store', 'x')])
    expect(out.map((u) => u.name)).toEqual(['buddyinfo'])
    expect([...out[0]!.data]).toEqual([97, 98, 99])
    await expect(readUploads([f('buddyinfo', 'a'), f('buddyinfo', 'b')])).rejects.toThrow('two dropped files are both named "buddyinfo"')
  })
})
