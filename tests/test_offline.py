"""Fast mode opens no network socket: the course's whole offline path, with every socket refused."""
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import socket
    opened = []
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            opened.append(address)
            raise OSError("network disabled by test_offline")
        return real_connect(self, address)

    socket.socket.connect = guarded_connect
    socket.create_connection = lambda address, *args, **kwargs: guarded_connect(socket.socket(), address)

    import matplotlib
    matplotlib.use("Agg")
    from ganstyle_edu import cli, config, data, features, viz
    cfg = config.setup(seed=0)
    assert cfg.mode == "fast"
    photo = data.sample("tubingen", max_side=cfg.image_size)
    extractor = features.FeatureExtractor(features.STYLE_LAYERS + (features.CONTENT_LAYER,))
    maps = extractor(photo)
    for name in data.names():
        data.sample(name, max_side=32)
    viz.show_feature_maps({k: v for k, v in list(maps.items())[:2]}, num=2)
    features.FeatureExtractor(["relu2_1"], weights="random-vgg19")(photo)
    features.hed_edges(photo)
    assert cli.main(["doctor", "--no-network"]) == 0
    print("SOCKETS", opened)
''')


def test_fast_mode_opens_no_network_socket():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300,
                            env={**__import__("os").environ, "GANSTYLE_MODE": "fast", "MPLBACKEND": "Agg"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "SOCKETS []" in result.stdout, result.stdout[-2000:]


def test_the_guard_would_catch_a_socket():
    """The same guard reports a connection when one is made (so the test above can fail)."""
    probe = SCRIPT.split("import matplotlib")[0] + textwrap.dedent('''
        try:
            socket.create_connection(("192.0.2.1", 80), timeout=0.1)
        except OSError:
            pass
        print("SOCKETS", opened)
    ''')
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "SOCKETS [('192.0.2.1', 80)]" in result.stdout
