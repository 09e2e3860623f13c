setTimeout(() => console.log(process.memoryUsage().rss), 200)
