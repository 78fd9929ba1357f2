/** Renderer entry: Vue + Pinia, the theme CSS, the app shell. */
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import './styles/theme.css'
import './styles/base.css'
import './styles/app.css'

createApp(App).use(createPinia()).mount('#app')
