import { build } from 'esbuild'
const r = await build({ entryPoints: [process.argv[2]], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' }).catch((e) => { console.log(e.errors.map((x) => `${x.text} ${x.location?.file}:${x.location?.line}`).join('\n')); process.exit(1) })
const inputs = Object.keys(r.metafile.inputs)
console.log(inputs.length, 'inputs', r.outputFiles[0].contents.length, 'bytes')
console.log(inputs.filter((i) => !i.includes('node_modules')).join('\n'))
console.log([...new Set(inputs.filter((i) => i.includes('node_modules')).map((i) => i.split('node_modules/')[1].split('/').slice(0, 2).join('/')))].join(' '))
